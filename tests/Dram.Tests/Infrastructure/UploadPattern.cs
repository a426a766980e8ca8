using System.Text.Json;

namespace Dram.Tests.Infrastructure;

/// <summary>
/// Bodies for tests/apps/upload_count.py: the byte at offset i is i % 251, made on the fly in large
/// writes so an upload of any size costs the client one buffer.
/// </summary>
public static class UploadPattern
{
    public const int Period = 251;

    /// <summary>A whole number of periods (about 1 MB), so consecutive writes of it continue the pattern.</summary>
    public static byte[] Block { get; } = Enumerable.Range(0, Period * 4096).Select(i => (byte)(i % Period)).ToArray();

    /// <summary>Writes <paramref name="total"/> bytes of the pattern, as a plain body.</summary>
    public static async Task SendPlainAsync(RawHttpConnection connection, long total)
    {
        var block = Block;
        long sent = 0;
        while (sent < total)
        {
            var n = (int)Math.Min(block.Length, total - sent);
            await connection.SendAsync(n == block.Length ? block : block[..n]);
            sent += n;
        }
    }

    /// <summary>Writes <paramref name="total"/> bytes of the pattern as chunks of one block each, then the last chunk.</summary>
    public static async Task SendChunkedAsync(RawHttpConnection connection, long total)
    {
        var block = Block;
        long sent = 0;
        while (sent < total)
        {
            var n = (int)Math.Min(block.Length, total - sent);
            await connection.SendAsync($"{n:x}\r\n");
            await connection.SendAsync(n == block.Length ? block : block[..n]);
            await connection.SendAsync("\r\n");
            sent += n;
        }
        await connection.SendAsync("0\r\n\r\n");
    }

    /// <summary>What upload_count.py answered.</summary>
    public sealed record Count(long Bytes, long Reads, long Largest, bool PatternOk);

    public static Count Parse(RawResponse response)
    {
        Assert.True(response.StatusCode == 200, $"expected 200 from upload_count, got {response.StatusLine}: {response.BodyText}");
        var root = JsonDocument.Parse(response.Body).RootElement;
        return new Count(root.GetProperty("bytes").GetInt64(), root.GetProperty("reads").GetInt64(),
            root.GetProperty("largest").GetInt64(), root.GetProperty("pattern_ok").GetBoolean());
    }
}
