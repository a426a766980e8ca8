using System.Text;
using Dram.Tests.Infrastructure;

namespace Dram.Tests.Responses;

/// <summary>Request helpers for response tests: parsed responses, or every byte the server sent.</summary>
public static class Wire
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(15);

    public static string Request(string path, string method = "GET", string version = "HTTP/1.1", bool close = false) =>
        $"{method} {path} {version}\r\nHost: localhost\r\n{(close ? "Connection: close\r\n" : "")}\r\n";

    /// <summary>Sends one request on a fresh connection and parses the response.</summary>
    public static Task<RawResponse> GetAsync(int port, string path, string method = "GET") =>
        RawHttpConnection.ExchangeAsync(port, Request(path, method), head: method == "HEAD", timeout: Timeout);

    /// <summary>
    /// Sends one request and returns every byte until the server closes the connection, for
    /// assertions on exact bytes (framing, what never reached the wire). Fails if it stays open.
    /// </summary>
    public static async Task<string> AllBytesAsync(int port, string request)
    {
        using var connection = await RawHttpConnection.OpenAsync(port);
        await connection.SendAsync(request);
        return await ReadUntilClosedAsync(connection);
    }

    /// <summary>Reads until the server closes (FIN or reset); times out (failing the test) if it never does.</summary>
    public static async Task<string> ReadUntilClosedAsync(RawHttpConnection connection)
    {
        using var cts = new CancellationTokenSource(Timeout);
        return Encoding.Latin1.GetString(await connection.ReadToEndAsync(cts.Token));
    }
}
