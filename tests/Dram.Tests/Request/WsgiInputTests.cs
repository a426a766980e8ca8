using System.Text;
using Dram.Tests.Infrastructure;

namespace Dram.Tests.Request;

/// <summary>
/// wsgi.input over a Content-Length body: read, readline, readlines and iteration return exactly
/// what io's file methods would, and the body ends at Content-Length.
/// </summary>
public sealed class WsgiInputTests(InputProbeServer server) : IClassFixture<InputProbeServer>
{
    /// <summary>POSTs <paramref name="body"/> (one byte per char) and runs the calls on wsgi.input.</summary>
    private Task<InputReport> PostAsync(string calls, string body) =>
        InputReport.FetchAsync(server.Port,
            $"POST /?{calls} HTTP/1.1\r\nHost: localhost\r\nContent-Length: {Encoding.Latin1.GetByteCount(body)}\r\n\r\n{body}");

    [Fact]
    public async Task ReadWithoutSizeReturnsTheWholeBody()
    {
        var report = await PostAsync("read", "hello, world");
        Assert.Equal("hello, world", report.Bytes(0));
    }

    [Fact]
    public async Task ReadMinusOneAndReadNoneReturnTheRest()
    {
        var report = await PostAsync("read:2,read:-1,read:none", "abcdef");
        Assert.Equal("ab", report.Bytes(0));
        Assert.Equal("cdef", report.Bytes(1));
        Assert.Equal("", report.Bytes(2));
    }

    [Fact]
    public async Task ReadSizeReturnsExactlyThatManyBytes()
    {
        var report = await PostAsync("read:1,read:3,read:5,read:1", "abcdefghij");
        Assert.Equal(["a", "bcd", "efghi", "j"], Enumerable.Range(0, 4).Select(report.Bytes));
    }

    [Fact]
    public async Task ReadPastTheEndReturnsTheRestThenEmpty()
    {
        var report = await PostAsync("read:3,read:100,read:100,read", "hello");
        Assert.Equal("hel", report.Bytes(0));
        Assert.Equal("lo", report.Bytes(1));
        Assert.Equal("", report.Bytes(2));
        Assert.Equal("", report.Bytes(3));
    }

    [Fact]
    public async Task ReadZeroReturnsEmptyAndConsumesNothing()
    {
        var report = await PostAsync("read:0,read:2,read:0,read", "hello");
        Assert.Equal(["", "he", "", "llo"], Enumerable.Range(0, 4).Select(report.Bytes));
    }

    [Fact]
    public async Task EveryByteValueSurvivesTheRead()
    {
        var body = new string(Enumerable.Range(0, 256).Select(b => (char)b).ToArray());
        var report = await PostAsync("read", body);
        Assert.Equal(body, report.Bytes(0));
    }

    [Fact]
    public async Task ReadSizeWaitsForBytesThatArriveInSeparateWrites()
    {
        // read(n) must block until n bytes are there, not return what one TCP segment held.
        using var connection = await RawHttpConnection.OpenAsync(server.Port);
        await connection.SendAsync("POST /?read:4,read:4,read:4 HTTP/1.1\r\nHost: localhost\r\nContent-Length: 10\r\n\r\nab");
        await Task.Delay(150);
        await connection.SendAsync("cde");
        await Task.Delay(150);
        await connection.SendAsync("fghij");
        var report = InputReport.From(await connection.ReadResponseAsync());
        Assert.Equal(["abcd", "efgh", "ij"], Enumerable.Range(0, 3).Select(report.Bytes));
    }

    [Fact]
    public async Task ReadlineReturnsLinesWithTheirNewlines()
    {
        var report = await PostAsync("readline,readline,readline,readline,readline", "one\ntwo\r\n\nlast");
        Assert.Equal(["one\n", "two\r\n", "\n", "last", ""], Enumerable.Range(0, 5).Select(report.Bytes));
    }

    [Fact]
    public async Task ReadlineSizeStopsAtSizeOrNewlineWhicheverComesFirst()
    {
        var report = await PostAsync("readline:3,readline:10,readline:2,readline:-1,readline:5", "abcdef\nxyz");
        Assert.Equal(["abc", "def\n", "xy", "z", ""], Enumerable.Range(0, 5).Select(report.Bytes));
    }

    [Fact]
    public async Task ReadlineSizeEndingExactlyAtTheNewlineIncludesIt()
    {
        var report = await PostAsync("readline:4,readline:4,readline", "abc\ndef\n");
        Assert.Equal(["abc\n", "def\n", ""], Enumerable.Range(0, 3).Select(report.Bytes));
    }

    [Fact]
    public async Task ReadlineZeroReturnsEmptyAndConsumesNothing()
    {
        var report = await PostAsync("readline:0,readline", "line\n");
        Assert.Equal("", report.Bytes(0));
        Assert.Equal("line\n", report.Bytes(1));
    }

    [Fact]
    public async Task ReadlineReturnsALineLongerThanTheReadBuffers()
    {
        var longLine = new string('x', 300_000) + "\n";
        var report = await PostAsync("readline,readline,readline", longLine + "tail");
        Assert.Equal(longLine, report.Bytes(0));
        Assert.Equal("tail", report.Bytes(1));
        Assert.Equal("", report.Bytes(2));
    }

    [Fact]
    public async Task ReadlinesReturnsEveryLine()
    {
        var report = await PostAsync("readlines,readlines", "a\nbb\n\nccc");
        Assert.Equal(["a\n", "bb\n", "\n", "ccc"], report.Lines(0));
        Assert.Empty(report.Lines(1));
    }

    [Fact]
    public async Task ReadlinesHintStopsOnceTheLinesReachTheHint()
    {
        // As io's readlines: lines are read until their total size reaches the hint; the line that reaches it is kept.
        var report = await PostAsync("readlines:4,readlines:1,readlines", "a\nbb\nccc\ndddd\n");
        Assert.Equal(["a\n", "bb\n"], report.Lines(0));
        Assert.Equal(["ccc\n"], report.Lines(1));
        Assert.Equal(["dddd\n"], report.Lines(2));
    }

    [Theory]
    [InlineData("readlines:0")]
    [InlineData("readlines:-1")]
    [InlineData("readlines:none")]
    public async Task ReadlinesWithoutAPositiveHintReadsEverything(string call)
    {
        var report = await PostAsync(call, "a\nbb\nccc\n");
        Assert.Equal(["a\n", "bb\n", "ccc\n"], report.Lines(0));
    }

    [Fact]
    public async Task IterationYieldsLinesToTheEnd()
    {
        var report = await PostAsync("iter,read", "ab\ncd\nef");
        Assert.Equal(["ab\n", "cd\n", "ef"], report.Lines(0));
        Assert.Equal("", report.Bytes(1));
    }

    [Fact]
    public async Task IterationContinuesFromWhereReadsStopped()
    {
        var report = await PostAsync("read:1,readline,iter", "xab\ncd\nef\n");
        Assert.Equal("x", report.Bytes(0));
        Assert.Equal("ab\n", report.Bytes(1));
        Assert.Equal(["cd\n", "ef\n"], report.Lines(2));
    }

    [Fact]
    public async Task MixedCallsShareOnePosition()
    {
        var report = await PostAsync("read:2,readline,readline:2,readlines:1,read", "0123\n4567\n89\nrest");
        Assert.Equal("01", report.Bytes(0));
        Assert.Equal("23\n", report.Bytes(1));
        Assert.Equal("45", report.Bytes(2));
        Assert.Equal(["67\n"], report.Lines(3));
        Assert.Equal("89\nrest", report.Bytes(4));
    }

    [Fact]
    public async Task RequestWithoutBodyReadsAsEmpty()
    {
        var report = await InputReport.FetchAsync(server.Port, "GET /?read,read:10,readline,readlines,iter HTTP/1.1\r\nHost: localhost\r\n\r\n");
        Assert.Equal("", report.Bytes(0));
        Assert.Equal("", report.Bytes(1));
        Assert.Equal("", report.Bytes(2));
        Assert.Empty(report.Lines(3));
        Assert.Empty(report.Lines(4));
    }

    [Fact]
    public async Task ZeroContentLengthReadsAsEmpty()
    {
        var report = await PostAsync("read,readline", "");
        Assert.Equal("0", report.ContentLength);
        Assert.Equal("", report.Bytes(0));
        Assert.Equal("", report.Bytes(1));
    }

    [Fact]
    public async Task LargeBodyIsReadWhole()
    {
        var body = string.Concat(Enumerable.Range(0, 50_000).Select(i => $"{i:D7}\n"));
        var report = await PostAsync("read", body);
        Assert.Equal(body.Length, report.Bytes(0).Length);
        Assert.Equal(body, report.Bytes(0));
    }
}
