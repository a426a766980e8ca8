using System.Globalization;

namespace Dram.Processes;

/// <summary>
/// Sockets passed by systemd socket activation (<c>LISTEN_PID</c>, <c>LISTEN_FDS</c>,
/// <c>LISTEN_FDNAMES</c>): descriptors 3, 4, ... already bound and listening. When present they
/// replace <c>--bind</c>, as with Gunicorn.
/// </summary>
internal static class SystemdSockets
{
    private const int FirstDescriptor = 3;

    /// <summary>The passed (descriptor, name) pairs, or an empty list when this process was not socket-activated.</summary>
    public static IReadOnlyList<(int Descriptor, string Name)> Take()
    {
        var pid = Environment.GetEnvironmentVariable("LISTEN_PID");
        var count = Environment.GetEnvironmentVariable("LISTEN_FDS");
        if (!int.TryParse(pid, NumberStyles.None, CultureInfo.InvariantCulture, out var listenPid) || listenPid != Environment.ProcessId
            || !int.TryParse(count, NumberStyles.None, CultureInfo.InvariantCulture, out var n) || n <= 0)
        {
            return [];
        }
        var names = (Environment.GetEnvironmentVariable("LISTEN_FDNAMES") ?? "").Split(':');
        var sockets = new List<(int, string)>();
        for (var i = 0; i < n; i++)
        {
            sockets.Add((FirstDescriptor + i, i < names.Length && names[i].Length > 0 ? names[i] : $"fd {FirstDescriptor + i}"));
        }
        // Workers must not mistake these variables for their own.
        foreach (var variable in new[] { "LISTEN_PID", "LISTEN_FDS", "LISTEN_FDNAMES" })
        {
            Environment.SetEnvironmentVariable(variable, null);
        }
        return sockets;
    }
}
