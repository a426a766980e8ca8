using System.Net;
using System.Net.Sockets;
using System.Text;
using Microsoft.Extensions.Logging;

namespace Dram.Metrics;

/// <summary>
/// Sends StatsD lines over UDP, many to a datagram. The socket never blocks: a datagram the kernel
/// cannot take at once, or one refused because nothing listens, is dropped, as StatsD expects. Used
/// from one reporter thread only, never from a request.
/// </summary>
internal sealed class StatsdClient : IDisposable
{
    /// <summary>
    /// The largest datagram sent: what one Ethernet frame carries after the IP and UDP headers
    /// (StatsD's advice for a local network), so a datagram is never fragmented and lost as a whole.
    /// </summary>
    public const int MaxDatagram = 1432;

    private readonly Socket _socket;
    private readonly IPEndPoint _target;
    private readonly ILogger _log;
    private readonly byte[] _datagram = new byte[MaxDatagram];
    private int _length;
    private bool _warned;

    public StatsdClient(IPEndPoint target, ILogger log)
    {
        _target = target;
        _log = log;
        _socket = new Socket(target.AddressFamily, SocketType.Dgram, ProtocolType.Udp) { Blocking = false };
        // Connecting a UDP socket only fixes its destination; it also lets the kernel report a port
        // nobody listens on, which is logged once.
        _socket.Connect(target);
    }

    /// <summary>Queues one line (name:value|type), sending the datagram first when the line does not fit.</summary>
    public void Add(string line)
    {
        var size = Encoding.UTF8.GetByteCount(line);
        if (size > MaxDatagram)
        {
            return;
        }
        if (_length > 0 && _length + 1 + size > MaxDatagram)
        {
            Flush();
        }
        if (_length > 0)
        {
            _datagram[_length++] = (byte)'\n';
        }
        _length += Encoding.UTF8.GetBytes(line, _datagram.AsSpan(_length));
    }

    /// <summary>Sends what is queued.</summary>
    public void Flush()
    {
        if (_length == 0)
        {
            return;
        }
        try
        {
            _socket.Send(_datagram.AsSpan(0, _length), SocketFlags.None);
        }
        catch (SocketException e)
        {
            // Said once: with nothing listening, every other send fails (the kernel reports the
            // refusal of the previous datagram), which would otherwise log every second.
            if (!_warned)
            {
                _warned = true;
                MetricsLog.StatsdUnreachable(_log, _target.ToString(), e.Message);
            }
        }
        _length = 0;
    }

    public void Dispose() => _socket.Dispose();
}
