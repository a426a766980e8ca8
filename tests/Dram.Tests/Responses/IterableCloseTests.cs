using System.Net.Sockets;
using Dram.Tests.Infrastructure;

namespace Dram.Tests.Responses;

/// <summary>PEP 3333: the server calls close() on the app's iterable once, however the request ends.</summary>
public sealed class IterableCloseTests(ResponsesApp server) : IClassFixture<ResponsesApp>
{
    [Fact]
    public async Task CloseIsCalledOnceAfterASuccessfulResponse()
    {
        var tag = CloseCount.NewTag();
        var response = await Wire.GetAsync(server.Port, "/close/ok?tag=" + tag);

        Assert.Equal("first,second", response.BodyText);
        Assert.Equal(1, await CloseCount.WaitForAsync(server.Port, tag));
        // Once, not once per path through the server.
        await Task.Delay(200);
        Assert.Equal(1, await CloseCount.GetAsync(server.Port, tag));
    }

    [Fact]
    public async Task CloseIsCalledWhenIterationRaisesBeforeAnyData()
    {
        var tag = CloseCount.NewTag();
        var response = await Wire.GetAsync(server.Port, "/close/raises-before-data?tag=" + tag);

        Assert.Equal(500, response.StatusCode);
        Assert.Equal(1, await CloseCount.WaitForAsync(server.Port, tag));
    }

    [Fact]
    public async Task CloseIsCalledWhenIterRaises()
    {
        var tag = CloseCount.NewTag();
        var response = await Wire.GetAsync(server.Port, "/close/iter-raises?tag=" + tag);

        Assert.Equal(500, response.StatusCode);
        Assert.Equal(1, await CloseCount.WaitForAsync(server.Port, tag));
        await ErrorLogEntry.WaitForAsync(server.Dram, "GET /close/iter-raises:", "RuntimeError: __iter__ failed on purpose");
    }

    [Fact]
    public async Task CloseIsCalledWhenIterationRaisesAfterData()
    {
        var tag = CloseCount.NewTag();
        var wire = await Wire.AllBytesAsync(server.Port, Wire.Request("/close/raises-after-data?tag=" + tag));

        Assert.Contains("sent", wire);
        Assert.Equal(1, await CloseCount.WaitForAsync(server.Port, tag));
    }

    [Theory]
    [InlineData("/close/endless")]
    [InlineData("/close/endless-generator")]
    public async Task CloseIsCalledWhenTheClientDisconnectsMidStream(string path)
    {
        var tag = CloseCount.NewTag();
        using (var connection = await RawHttpConnection.OpenAsync(server.Port))
        {
            await connection.SendAsync(Wire.Request($"{path}?tag={tag}"));
            var buffer = new byte[65536];
            var received = 0;
            while (received < 256 * 1024)
            {
                var read = await connection.Socket.ReceiveAsync(buffer, SocketFlags.None);
                Assert.True(read > 0, "the server closed the endless response");
                received += read;
            }
            Assert.Equal(0, await CloseCount.GetAsync(server.Port, tag));
        }

        // The endless iterable (or the generator's finally block, through GeneratorExit) saw close().
        Assert.Equal(1, await CloseCount.WaitForAsync(server.Port, tag));
    }

    [Fact]
    public async Task GeneratorStoppedAtItsContentLengthIsClosed()
    {
        var tag = CloseCount.NewTag();
        var response = await Wire.GetAsync(server.Port, "/body/too-long?tag=" + tag);

        Assert.Equal("abcde", response.BodyText);
        Assert.Equal(1, await CloseCount.WaitForAsync(server.Port, tag));
    }

    [Fact]
    public async Task ExceptionInCloseIsLoggedAndTheResponseStaysComplete()
    {
        var tag = CloseCount.NewTag();
        using var connection = await RawHttpConnection.OpenAsync(server.Port);
        await connection.SendAsync(Wire.Request("/close/raises-in-close?tag=" + tag));
        var response = await connection.ReadResponseAsync(timeout: Wire.Timeout);

        Assert.Equal(200, response.StatusCode);
        Assert.Equal("body", response.BodyText);
        Assert.Equal(1, await CloseCount.WaitForAsync(server.Port, tag));
        await ErrorLogEntry.WaitForAsync(server.Dram, "Error in close() of the response of GET /close/raises-in-close:", "OSError: close failed on purpose");

        await connection.SendAsync(Wire.Request("/hello"));
        Assert.Equal("hello", (await connection.ReadResponseAsync(timeout: Wire.Timeout)).BodyText);
    }
}
