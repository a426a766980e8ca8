namespace Dram.Configuration;

/// <summary>
/// Where the master serves Prometheus metrics (<c>--metrics-bind HOST:PORT</c>): a TCP address
/// with an explicit port, never one of the app's own listening addresses.
/// </summary>
public static class MetricsAddress
{
    public static BindAddress Parse(string text)
    {
        if (text.StartsWith("unix:", StringComparison.Ordinal) || text.StartsWith("fd://", StringComparison.Ordinal))
        {
            throw new UsageException("metrics are served over TCP: give HOST:PORT, e.g. 127.0.0.1:9100");
        }
        var portSeparator = text.StartsWith('[') ? text.IndexOf("]:", StringComparison.Ordinal) : text.LastIndexOf(':');
        if (portSeparator < 0)
        {
            throw new UsageException("give HOST:PORT with the port to serve metrics on, e.g. 127.0.0.1:9100");
        }
        return BindAddress.Parse(text);
    }

    /// <summary>Refuses a metrics address that one of the app's <c>--bind</c> addresses would also take.</summary>
    public static void CheckDistinct(BindAddress metrics, IReadOnlyList<BindAddress> binds)
    {
        if (metrics.Port == 0)
        {
            return;
        }
        foreach (var bind in binds)
        {
            if (bind.UnixPath is not null || bind.FileDescriptor is not null || bind.Port != metrics.Port)
            {
                continue;
            }
            if (Overlaps(bind, metrics))
            {
                throw new UsageException($"--metrics-bind {metrics.Text}: port {metrics.Port} is already the app's --bind {bind.Text}; choose another port for metrics, e.g. 9100");
            }
        }
    }

    private static bool Overlaps(BindAddress a, BindAddress b)
    {
        if (a.IsLocalhost || b.IsLocalhost || a.Address is null || b.Address is null)
        {
            return true;
        }
        return a.Address.Equals(b.Address) || IsAny(a.Address) || IsAny(b.Address);
    }

    private static bool IsAny(System.Net.IPAddress address) =>
        address.Equals(System.Net.IPAddress.Any) || address.Equals(System.Net.IPAddress.IPv6Any);
}
