using System.Net.Sockets;
using System.Text;

namespace Dram.Tests.Infrastructure;

/// <summary>
/// One request on an already connected socket of any family (IPv6, unix) that the server answers
/// and then closes (HTTP/1.0 or Connection: close): the response is everything up to the close.
/// </summary>
public static class OneShotExchange
{
    public static async Task<RawResponse> SendAsync(Socket socket, string request, TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(30));
        await using var stream = new NetworkStream(socket, ownsSocket: true);
        await stream.WriteAsync(Encoding.Latin1.GetBytes(request), cts.Token);
        using var all = new MemoryStream();
        await stream.CopyToAsync(all, cts.Token);
        var bytes = all.ToArray();
        var text = Encoding.Latin1.GetString(bytes);
        var headEnd = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        if (headEnd < 0)
        {
            throw new EndOfStreamException("connection closed before a complete response head; got: " + text);
        }
        var lines = text[..headEnd].Split("\r\n");
        var headers = lines.Skip(1)
            .Select(line => new KeyValuePair<string, string>(line[..line.IndexOf(':')], line[(line.IndexOf(':') + 1)..].Trim()))
            .ToList();
        return new RawResponse
        {
            StatusLine = lines[0],
            StatusCode = int.Parse(lines[0].Split(' ')[1]),
            Headers = headers,
            Body = bytes[(headEnd + 4)..],
        };
    }
}
