using System.Security.Cryptography;
using Dram.Tests.Infrastructure;

namespace Dram.Tests.Responses;

/// <summary>wsgi.file_wrapper: regular files (size, position, Content-Length), other file-likes, HEAD, large files, close().</summary>
public sealed class FileWrapperTests(FilesApp server) : IClassFixture<FilesApp>
{
    [Fact]
    public async Task RegularFileWithoutContentLengthIsSentWithTheFileSize()
    {
        using var file = TempFile.Random(10_000);
        var response = await Wire.GetAsync(server.Port, "/file?path=" + file.Query);

        Assert.Equal(200, response.StatusCode);
        Assert.Equal("10000", response.Header("Content-Length"));
        Assert.False(response.Chunked);
        Assert.Equal(file.Content, response.Body);
    }

    [Fact]
    public async Task RegularFileIsSentFromItsCurrentPosition()
    {
        using var file = TempFile.Random(10_000);
        var response = await Wire.GetAsync(server.Port, $"/file?path={file.Query}&seek=100");

        Assert.Equal("9900", response.Header("Content-Length"));
        Assert.Equal(file.Content[100..], response.Body);
    }

    [Fact]
    public async Task BufferedFileIsSentFromTheReadersPositionNotTheDescriptorOffset()
    {
        // After read(100) a BufferedReader has read ahead (the descriptor's offset is past 100),
        // but tell() says 100: the body must start at byte 100.
        using var file = TempFile.Random(100_000);
        var response = await Wire.GetAsync(server.Port, $"/buffered-file?path={file.Query}&skip=100");

        Assert.Equal("99900", response.Header("Content-Length"));
        Assert.Equal(file.Content[100..], response.Body);
    }

    [Fact]
    public async Task SmallerContentLengthStopsTheFileThere()
    {
        using var file = TempFile.Random(10_000);
        using var connection = await RawHttpConnection.OpenAsync(server.Port);
        await connection.SendAsync(Wire.Request($"/file?path={file.Query}&seek=100&length=1000"));
        var response = await connection.ReadResponseAsync(timeout: Wire.Timeout);

        Assert.Equal("1000", response.Header("Content-Length"));
        Assert.Equal(file.Content[100..1100], response.Body);

        // Not one byte past the Content-Length was sent: the next response parses cleanly.
        await connection.SendAsync(Wire.Request("/hello"));
        Assert.Equal("hello", (await connection.ReadResponseAsync(timeout: Wire.Timeout)).BodyText);
    }

    [Fact]
    public async Task FileShorterThanItsContentLengthEndsInAClosedConnection()
    {
        using var file = TempFile.Random(10_000);
        using var connection = await RawHttpConnection.OpenAsync(server.Port);
        await connection.SendAsync(Wire.Request($"/file?path={file.Query}&length=20000"));

        var error = await Assert.ThrowsAsync<EndOfStreamException>(() => connection.ReadResponseAsync(timeout: Wire.Timeout));
        Assert.Contains("after 10000 of 20000 body bytes", error.Message);
        await ErrorLogEntry.WaitForAsync(server.Dram, "GET /file: the app sent 10000 of its Content-Length of 20000 bytes");
    }

    [Fact]
    public async Task BytesIOIsIteratedInBlocks()
    {
        var tag = CloseCount.NewTag();
        var response = await Wire.GetAsync(server.Port, $"/bytesio?size=5000&block=1000&tag={tag}");

        Assert.Equal(200, response.StatusCode);
        // No descriptor and no Content-Length: the length is unknown up front.
        Assert.True(response.Chunked);
        Assert.Equal(Pattern(5000), response.Body);
        Assert.Equal(1, await CloseCount.WaitForAsync(server.Port, tag));
    }

    [Fact]
    public async Task HeadSendsTheFileSizeAndNoBody()
    {
        using var file = TempFile.Random(10_000);
        var tag = CloseCount.NewTag();
        using var connection = await RawHttpConnection.OpenAsync(server.Port);
        await connection.SendAsync(Wire.Request($"/file?path={file.Query}&tag={tag}", "HEAD"));
        var response = await connection.ReadResponseAsync(head: true, timeout: Wire.Timeout);

        Assert.Equal(200, response.StatusCode);
        Assert.Equal("10000", response.Header("Content-Length"));
        await connection.SendAsync(Wire.Request("/hello"));
        Assert.Equal("hello", (await connection.ReadResponseAsync(timeout: Wire.Timeout)).BodyText);
        Assert.Equal(1, await CloseCount.WaitForAsync(server.Port, tag));
    }

    [Fact]
    public async Task LargeFileArrivesByteExact()
    {
        using var file = TempFile.Random(20 * 1024 * 1024);
        var response = await Wire.GetAsync(server.Port, "/file?path=" + file.Query);

        Assert.Equal(200, response.StatusCode);
        Assert.Equal((20 * 1024 * 1024).ToString(), response.Header("Content-Length"));
        Assert.Equal(Convert.ToHexString(SHA256.HashData(file.Content)), Convert.ToHexString(SHA256.HashData(response.Body)));
    }

    [Fact]
    public async Task FileIsClosedAfterTheResponse()
    {
        using var file = TempFile.Random(10_000);
        var tag = CloseCount.NewTag();
        var response = await Wire.GetAsync(server.Port, $"/file?path={file.Query}&tag={tag}");

        Assert.Equal(file.Content, response.Body);
        Assert.Equal(1, await CloseCount.WaitForAsync(server.Port, tag));
    }

    [Fact]
    public async Task FileIsClosedWhenTheClientDisconnectsMidFile()
    {
        using var file = TempFile.Random(20 * 1024 * 1024);
        var tag = CloseCount.NewTag();
        using (var connection = await RawHttpConnection.OpenAsync(server.Port))
        {
            await connection.SendAsync(Wire.Request($"/file?path={file.Query}&tag={tag}"));
            var buffer = new byte[65536];
            var received = 0;
            while (received < 256 * 1024)
            {
                var read = await connection.Socket.ReceiveAsync(buffer, System.Net.Sockets.SocketFlags.None);
                Assert.True(read > 0, "the server closed the connection early");
                received += read;
            }
        }

        Assert.Equal(1, await CloseCount.WaitForAsync(server.Port, tag));
    }

    /// <summary>The content responses_files.pattern() makes.</summary>
    private static byte[] Pattern(int size) => Enumerable.Range(0, size).Select(i => (byte)(i % 251)).ToArray();
}
