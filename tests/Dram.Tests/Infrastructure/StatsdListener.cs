using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Dram.Tests.Infrastructure;

/// <summary>A StatsD server for tests: a UDP socket on 127.0.0.1 that keeps every datagram it receives.</summary>
public sealed class StatsdListener : IDisposable
{
    private readonly UdpClient _udp = new(new IPEndPoint(IPAddress.Loopback, 0));
    private readonly List<string> _datagrams = [];
    private readonly CancellationTokenSource _stop = new();

    public StatsdListener()
    {
        Port = ((IPEndPoint)_udp.Client.LocalEndPoint!).Port;
        _ = ReceiveAsync();
    }

    public int Port { get; }

    /// <summary>One line of a datagram: name:value|type, with @rate when sampled.</summary>
    public sealed record Metric(string Name, double Value, string Type, double Rate);

    public IReadOnlyList<string> Datagrams
    {
        get
        {
            lock (_datagrams)
            {
                return _datagrams.ToList();
            }
        }
    }

    public IReadOnlyList<Metric> Metrics => Datagrams.SelectMany(d => d.Split('\n')).Select(Parse).ToList();

    /// <summary>The sum of a counter's values (each scaled back by its sampling rate).</summary>
    public double Sum(string name) => Metrics.Where(m => m.Name == name).Sum(m => m.Value / m.Rate);

    public static Metric Parse(string line)
    {
        var colon = line.LastIndexOf(':');
        var parts = line[(colon + 1)..].Split('|');
        var rate = parts.Length > 2 && parts[2].StartsWith('@') ? double.Parse(parts[2][1..], CultureInfo.InvariantCulture) : 1.0;
        return new Metric(line[..colon], double.Parse(parts[0], CultureInfo.InvariantCulture), parts[1], rate);
    }

    /// <summary>Waits until <paramref name="condition"/> holds for what was received; false on timeout.</summary>
    public async Task<bool> WaitUntilAsync(Func<StatsdListener, bool> condition, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!condition(this))
        {
            if (DateTime.UtcNow > deadline)
            {
                return false;
            }
            await Task.Delay(100);
        }
        return true;
    }

    private async Task ReceiveAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            UdpReceiveResult received;
            try
            {
                received = await _udp.ReceiveAsync(_stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return;
            }
            lock (_datagrams)
            {
                _datagrams.Add(Encoding.UTF8.GetString(received.Buffer));
            }
        }
    }

    public void Dispose()
    {
        _stop.Cancel();
        _udp.Dispose();
        _stop.Dispose();
    }
}
