using Dram.Tests.Infrastructure;

namespace Dram.Tests.Request;

/// <summary>wsgi.multithread tells the app whether another thread of the same process may call it at the same time.</summary>
public sealed class WsgiMultithreadTests
{
    [Theory]
    [InlineData(new string[0], false)]
    [InlineData(new[] { "--threads", "1" }, false)]
    [InlineData(new[] { "--threads", "2" }, true)]
    [InlineData(new[] { "--threads", "4" }, true)]
    public async Task MultithreadIsTrueOnlyWithMoreThanOneThread(string[] args, bool multithread)
    {
        await using var dram = await DramProcess.StartAsync("environ_probe:application", args);
        var environ = await EnvironReport.FetchAsync(dram.Port, "GET / HTTP/1.1\r\nHost: localhost\r\n\r\n");
        Assert.Equal(multithread, environ.Flag("wsgi.multithread"));
        Assert.False(environ.Flag("wsgi.multiprocess"));
        Assert.False(environ.Flag("wsgi.run_once"));
    }
}
