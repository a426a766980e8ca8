using Dram.Tests.Infrastructure;

namespace Dram.Tests.Request;

/// <summary>wsgi.input belongs to its request: kept and used later it raises, and concurrent requests each read their own body.</summary>
public sealed class WsgiInputLifetimeTests
{
    private static readonly TimeSpan ResponseTimeout = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task InputKeptPastItsRequestRaisesInsteadOfReadingAnotherBody()
    {
        await using var dram = await DramProcess.StartAsync("input_keeper:application");
        using var connection = await RawHttpConnection.OpenAsync(dram.Port);
        await connection.SendAsync("POST /keep HTTP/1.1\r\nHost: localhost\r\nContent-Length: 5\r\n\r\nAAAAA");
        Assert.Equal("kept", (await connection.ReadResponseAsync(timeout: ResponseTimeout)).BodyText);
        await connection.SendAsync("POST /use HTTP/1.1\r\nHost: localhost\r\nContent-Length: 5\r\n\r\nBBBBB");
        var response = await connection.ReadResponseAsync(timeout: ResponseTimeout);
        Assert.Equal(200, response.StatusCode);
        Assert.Equal("ValueError|BBBBB", response.BodyText);
    }

    [Fact]
    public async Task ConcurrentRequestsEachReadTheirOwnBody()
    {
        // Every body is sent in two parts with a pause, so the four Python threads are all in the
        // middle of reading at once.
        await using var dram = await DramProcess.StartAsync("input_probe:application", ["--threads", "4"]);
        var connections = new List<RawHttpConnection>();
        try
        {
            for (var i = 0; i < 8; i++)
            {
                var connection = await RawHttpConnection.OpenAsync(dram.Port);
                connections.Add(connection);
                // 17 bytes in all: "body-NN-" now, "second-NN" after the pause.
                await connection.SendAsync($"POST /c{i}?read:17 HTTP/1.1\r\nHost: localhost\r\nContent-Length: 17\r\n\r\nbody-{i:D2}-");
            }
            await Task.Delay(200);
            for (var i = 0; i < connections.Count; i++)
            {
                await connections[i].SendAsync($"second-{i:D2}");
            }
            for (var i = 0; i < connections.Count; i++)
            {
                var report = InputReport.From(await connections[i].ReadResponseAsync(timeout: ResponseTimeout));
                Assert.Equal($"/c{i}", report.Path);
                Assert.Equal($"body-{i:D2}-second-{i:D2}", report.Bytes(0));
            }
        }
        finally
        {
            connections.ForEach(c => c.Dispose());
        }
    }
}
