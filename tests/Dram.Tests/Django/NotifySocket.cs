using System.Net.Sockets;
using System.Text;

namespace Dram.Tests.Django;

/// <summary>
/// The test's stand-in for systemd's notification socket (NOTIFY_SOCKET): a unix datagram socket
/// that records every message (READY=1, RELOADING=1, WATCHDOG=1, ...) in arrival order.
/// </summary>
public sealed class NotifySocket : IDisposable
{
    private readonly Socket _socket = new(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
    private readonly List<string> _messages = [];
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _receiving;
    private int _cursor;

    public NotifySocket(string path)
    {
        Path = path;
        _socket.Bind(new UnixDomainSocketEndPoint(path));
        _receiving = Task.Run(ReceiveAsync);
    }

    public string Path { get; }

    public IReadOnlyList<string> Messages
    {
        get
        {
            lock (_messages)
            {
                return _messages.ToList();
            }
        }
    }

    /// <summary>
    /// Waits for the next message, after the one the previous call returned, that has every
    /// line in <paramref name="lines"/>; returns it. Fails the test with all messages on timeout.
    /// </summary>
    public async Task<string> NextAsync(string[] lines, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            lock (_messages)
            {
                for (var i = _cursor; i < _messages.Count; i++)
                {
                    var received = _messages[i].Split('\n');
                    if (lines.All(received.Contains))
                    {
                        _cursor = i + 1;
                        return _messages[i];
                    }
                }
            }
            Assert.True(DateTime.UtcNow < deadline,
                $"no notification with {string.Join(", ", lines)} after message {_cursor}; received:\n{string.Join("\n--\n", Messages)}");
            await Task.Delay(50);
        }
    }

    private async Task ReceiveAsync()
    {
        var buffer = new byte[8192];
        while (!_stop.IsCancellationRequested)
        {
            int received;
            try
            {
                received = await _socket.ReceiveAsync(buffer, SocketFlags.None, _stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }
            lock (_messages)
            {
                _messages.Add(Encoding.UTF8.GetString(buffer, 0, received));
            }
        }
    }

    public void Dispose()
    {
        _stop.Cancel();
        _receiving.Wait(TimeSpan.FromSeconds(5));
        _socket.Dispose();
        _stop.Dispose();
        File.Delete(Path);
    }
}
