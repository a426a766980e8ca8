using Dram.Tests.Infrastructure;

namespace Dram.Tests;

/// <summary>
/// A worker fixes glibc's malloc thresholds before the app runs, so the Python thread's arena
/// serves blocks of a few hundred KiB (request bodies, pages) from its first request on, instead of
/// mapping each until the app happens to free a large one; malloc settings an operator gives in
/// GLIBC_TUNABLES are left to apply.
/// </summary>
public sealed class MallocTuningTests
{
    [Fact]
    public async Task TheFirstRequestsBlocksComeFromThePythonThreadsArena()
    {
        await using var dram = await DramProcess.StartAsync("malloc_probe:application");

        var response = await RawHttpConnection.ExchangeAsync(dram.Port, "GET / HTTP/1.1\r\nHost: localhost\r\n\r\n");

        Assert.Equal(200, response.StatusCode);
        Assert.Equal("arena arena", response.BodyText);
    }

    [Fact]
    public async Task MallocTunablesFromTheOperatorAreLeftToApply()
    {
        await using var dram = await DramProcess.StartAsync("malloc_probe:application",
            environment: new Dictionary<string, string> { ["GLIBC_TUNABLES"] = "glibc.malloc.arena_max=8" });

        var response = await RawHttpConnection.ExchangeAsync(dram.Port, "GET / HTTP/1.1\r\nHost: localhost\r\n\r\n");

        // glibc's own starting point: the first 200 KB block is mapped, and freeing it raises the
        // threshold so the second comes from the arena.
        Assert.Equal(200, response.StatusCode);
        Assert.Equal("mapped arena", response.BodyText);
    }
}
