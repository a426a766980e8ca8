using System.Net;
using System.Net.Sockets;

namespace Dram.Tests.Hostile;

/// <summary>
/// Sends raw bytes on a new connection, in the given pieces, and collects everything the server
/// sends until it closes the connection or a quiet period passes.
/// </summary>
public static class RawExchange
{
    /// <summary>Sends <paramref name="request"/> in one write.</summary>
    public static Task<ExchangeResult> SendAsync(int port, byte[] request, TimeSpan wait, bool halfClose = false) =>
        SendAsync(port, [request], wait, halfClose);

    /// <summary>
    /// Sends each of <paramref name="pieces"/> as its own write (with a yield between, so they tend to
    /// arrive as separate reads), half-closes if asked, then reads until the server closes or
    /// <paramref name="wait"/> passes with the connection still open.
    /// </summary>
    public static async Task<ExchangeResult> SendAsync(int port, IReadOnlyList<byte[]> pieces, TimeSpan wait, bool halfClose = false)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        // A reset on close leaves no TIME_WAIT behind: thousands of cases must not use up local ports.
        socket.LingerState = new LingerOption(true, 0);
        await socket.ConnectAsync(IPAddress.Loopback, port);
        var received = new List<byte>();
        try
        {
            for (var i = 0; i < pieces.Count; i++)
            {
                if (i > 0)
                {
                    await Task.Yield();
                }
                await socket.SendAsync(pieces[i], SocketFlags.None);
            }
            if (halfClose)
            {
                socket.Shutdown(SocketShutdown.Send);
            }
        }
        catch (SocketException)
        {
            // The server may reject and close before the last piece is sent; what it answered still counts.
        }
        var end = await ReceiveUntilEndAsync(socket, received, wait);
        return new ExchangeResult(received.ToArray(), end != ConnectionEnd.StillOpen, end == ConnectionEnd.Reset);
    }

    /// <summary>Reads into <paramref name="received"/> until EOF or reset (true) or the wait passes (false).</summary>
    public static async Task<bool> ReceiveAllAsync(Socket socket, List<byte> received, TimeSpan wait) =>
        await ReceiveUntilEndAsync(socket, received, wait) != ConnectionEnd.StillOpen;

    private enum ConnectionEnd
    {
        Closed,
        Reset,
        StillOpen,
    }

    private static async Task<ConnectionEnd> ReceiveUntilEndAsync(Socket socket, List<byte> received, TimeSpan wait)
    {
        using var cts = new CancellationTokenSource(wait);
        var buffer = new byte[65536];
        try
        {
            while (true)
            {
                var read = await socket.ReceiveAsync(buffer, SocketFlags.None, cts.Token);
                if (read == 0)
                {
                    return ConnectionEnd.Closed;
                }
                received.AddRange(buffer.AsSpan(0, read));
            }
        }
        catch (OperationCanceledException)
        {
            return ConnectionEnd.StillOpen;
        }
        catch (SocketException)
        {
            return ConnectionEnd.Reset;
        }
    }
}
