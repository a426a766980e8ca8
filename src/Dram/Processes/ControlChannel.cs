using System.Net.Sockets;
using System.Text;

namespace Dram.Processes;

/// <summary>
/// The line-based conversation between the master and one worker over a unix socket. Workers say
/// BOOTED (app loaded), ACCEPTING, HEARTBEAT, RECYCLE, METRICS (--metrics-bind) and WATCH (--reload:
/// a source file to watch); the master answers BOOTED with the listening
/// sockets attached. The master's other orders travel as signals, as in Gunicorn.
/// </summary>
internal sealed class ControlChannel(Socket socket) : IDisposable
{
    private readonly Lock _sendLock = new();
    private readonly byte[] _buffer = new byte[8192];
    private readonly StringBuilder _pending = new();

    public Socket Socket => socket;

    public void Send(string line)
    {
        var bytes = Encoding.UTF8.GetBytes(line + "\n");
        lock (_sendLock)
        {
            socket.Send(bytes);
        }
    }

    public void SendWithDescriptors(string line, ReadOnlySpan<int> descriptors)
    {
        var bytes = Encoding.UTF8.GetBytes(line + "\n");
        lock (_sendLock)
        {
            DescriptorPassing.Send(socket, bytes, descriptors);
        }
    }

    /// <summary>The next line, or null when the other side closed the connection.</summary>
    public async Task<string?> ReadLineAsync(CancellationToken token = default)
    {
        while (true)
        {
            var text = _pending.ToString();
            var newline = text.IndexOf('\n');
            if (newline >= 0)
            {
                _pending.Remove(0, newline + 1);
                return text[..newline];
            }
            int read;
            try
            {
                read = await socket.ReceiveAsync(_buffer, SocketFlags.None, token);
            }
            catch (SocketException)
            {
                return null;
            }
            catch (ObjectDisposedException)
            {
                return null;
            }
            if (read == 0)
            {
                return null;
            }
            _pending.Append(Encoding.UTF8.GetString(_buffer, 0, read));
        }
    }

    public void Dispose() => socket.Dispose();
}
