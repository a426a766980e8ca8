using Dram.Tests.Infrastructure;

namespace Dram.Tests.Request;

/// <summary>Several requests on one connection, one after another or pipelined in a single write, answered in order.</summary>
public sealed class KeepAliveTests(InputProbeLongKeepAliveServer server) : IClassFixture<InputProbeLongKeepAliveServer>
{
    private static readonly TimeSpan ResponseTimeout = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task SequentialRequestsShareOneConnection()
    {
        using var connection = await RawHttpConnection.OpenAsync(server.Port);
        for (var i = 0; i < 5; i++)
        {
            await connection.SendAsync($"POST /seq{i}?read HTTP/1.1\r\nHost: localhost\r\nContent-Length: 6\r\n\r\nbody-{i}");
            var report = InputReport.From(await connection.ReadResponseAsync(timeout: ResponseTimeout));
            Assert.Equal($"/seq{i}", report.Path);
            Assert.Equal($"body-{i}", report.Bytes(0));
        }
        Assert.False(await connection.IsClosedByServerAsync(TimeSpan.FromMilliseconds(200)));
    }

    [Fact]
    public async Task PipelinedRequestsInOneWriteAreAnsweredInOrder()
    {
        using var connection = await RawHttpConnection.OpenAsync(server.Port);
        await connection.SendAsync(
            "GET /p1 HTTP/1.1\r\nHost: localhost\r\n\r\n" +
            "POST /p2?read HTTP/1.1\r\nHost: localhost\r\nContent-Length: 3\r\n\r\ntwo" +
            "GET /p3 HTTP/1.1\r\nHost: localhost\r\n\r\n" +
            "POST /p4?read HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nfour\r\n0\r\n\r\n" +
            "POST /p5?readline HTTP/1.1\r\nHost: localhost\r\nContent-Length: 5\r\n\r\nfive\n");
        var reports = new List<InputReport>();
        for (var i = 0; i < 5; i++)
        {
            reports.Add(InputReport.From(await connection.ReadResponseAsync(timeout: ResponseTimeout)));
        }
        Assert.Equal(["/p1", "/p2", "/p3", "/p4", "/p5"], reports.Select(r => r.Path));
        Assert.Equal("two", reports[1].Bytes(0));
        Assert.Equal("four", reports[3].Bytes(0));
        Assert.Equal("five\n", reports[4].Bytes(0));
    }

    [Fact]
    public async Task ManyPipelinedRequestsAreAllAnswered()
    {
        using var connection = await RawHttpConnection.OpenAsync(server.Port);
        await connection.SendAsync(string.Concat(Enumerable.Range(0, 50).Select(i => $"GET /n{i} HTTP/1.1\r\nHost: localhost\r\n\r\n")));
        for (var i = 0; i < 50; i++)
        {
            var report = InputReport.From(await connection.ReadResponseAsync(timeout: ResponseTimeout));
            Assert.Equal($"/n{i}", report.Path);
        }
    }

    [Fact]
    public async Task ResponseLargerThanOneWriteArrivesWholeWhileTheConnectionStaysOpen()
    {
        // The app returns its answer as one list item of ~300 KB: all of it must be sent when the
        // app finishes, not when the idle connection is closed 30 s later.
        var body = new string('z', 300_000);
        using var connection = await RawHttpConnection.OpenAsync(server.Port);
        for (var i = 0; i < 2; i++)
        {
            await connection.SendAsync($"POST /big{i}?read HTTP/1.1\r\nHost: localhost\r\nContent-Length: {body.Length}\r\n\r\n{body}");
            var report = InputReport.From(await connection.ReadResponseAsync(timeout: ResponseTimeout));
            Assert.Equal($"/big{i}", report.Path);
            Assert.Equal(body, report.Bytes(0));
        }
    }
}
