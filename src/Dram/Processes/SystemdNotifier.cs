using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using System.Text;

namespace Dram.Processes;

/// <summary>
/// Tells systemd (Type=notify units) how the master is doing over <c>$NOTIFY_SOCKET</c>:
/// READY=1 once workers serve, RELOADING=1/READY=1 around a HUP reload, STOPPING=1, STATUS= lines,
/// and WATCHDOG=1 keep-alives when the unit sets WatchdogSec. Without NOTIFY_SOCKET it does nothing.
/// </summary>
internal sealed class SystemdNotifier : IDisposable
{
    private readonly Socket? _socket;
    private readonly UnixDomainSocketEndPoint? _endpoint;
    private readonly TimeSpan _watchdogInterval;
    private DateTime _lastWatchdog = DateTime.MinValue;

    public SystemdNotifier()
    {
        var path = Environment.GetEnvironmentVariable("NOTIFY_SOCKET");
        if (string.IsNullOrEmpty(path))
        {
            return;
        }
        // An '@' names a socket in the abstract namespace.
        _endpoint = new UnixDomainSocketEndPoint(path.StartsWith('@') ? "\0" + path[1..] : path);
        _socket = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        if (long.TryParse(Environment.GetEnvironmentVariable("WATCHDOG_USEC"), out var usec) && usec > 0
            && (!int.TryParse(Environment.GetEnvironmentVariable("WATCHDOG_PID"), out var pid) || pid == Environment.ProcessId))
        {
            _watchdogInterval = TimeSpan.FromMicroseconds(usec / 2.0);
        }
    }

    public bool Enabled => _socket is not null;

    public void Ready(string status) => Send($"READY=1\nSTATUS={status}\nMAINPID={Environment.ProcessId}");

    public void Reloading() => Send($"RELOADING=1\nMONOTONIC_USEC={MonotonicMicroseconds().ToString(CultureInfo.InvariantCulture)}\nSTATUS=Reloading");

    public void Stopping() => Send("STOPPING=1\nSTATUS=Stopping");

    public void Status(string status) => Send($"STATUS={status}");

    /// <summary>Called on every tick while the master is healthy; sends WATCHDOG=1 at half the unit's interval.</summary>
    public void KeepAlive()
    {
        if (_watchdogInterval > TimeSpan.Zero && DateTime.UtcNow - _lastWatchdog >= _watchdogInterval)
        {
            _lastWatchdog = DateTime.UtcNow;
            Send("WATCHDOG=1");
        }
    }

    private static long MonotonicMicroseconds() => (long)(Stopwatch.GetTimestamp() * (1_000_000.0 / Stopwatch.Frequency));

    private void Send(string message)
    {
        if (_socket is null)
        {
            return;
        }
        try
        {
            _socket.SendTo(Encoding.UTF8.GetBytes(message), _endpoint!);
        }
        catch (SocketException)
        {
            // systemd went away or the socket is not ours to write: the service keeps serving.
        }
    }

    public void Dispose() => _socket?.Dispose();
}
