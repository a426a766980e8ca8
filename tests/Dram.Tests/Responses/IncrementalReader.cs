using System.Net.Sockets;
using System.Text;
using Dram.Tests.Infrastructure;

namespace Dram.Tests.Responses;

/// <summary>Reads a response as it arrives, for tests that act between chunks.</summary>
public sealed class IncrementalReader(RawHttpConnection connection)
{
    private readonly StringBuilder _text = new();

    /// <summary>Everything received so far, decoded as latin-1.</summary>
    public string Text => _text.ToString();

    /// <summary>Reads until <see cref="Text"/> contains <paramref name="marker"/>; fails on timeout or close.</summary>
    public async Task ReadUntilAsync(string marker, TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? Wire.Timeout);
        var buffer = new byte[65536];
        while (!Text.Contains(marker, StringComparison.Ordinal))
        {
            int read;
            try
            {
                read = await connection.Socket.ReceiveAsync(buffer, SocketFlags.None, cts.Token);
            }
            catch (OperationCanceledException)
            {
                throw new TimeoutException($"'{marker}' did not arrive; received so far:\n{Text}");
            }
            if (read == 0)
            {
                throw new EndOfStreamException($"the server closed the connection before '{marker}'; received:\n{Text}");
            }
            _text.Append(Encoding.Latin1.GetString(buffer, 0, read));
        }
    }
}
