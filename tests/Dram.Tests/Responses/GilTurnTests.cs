using Dram.Tests.Infrastructure;

namespace Dram.Tests.Responses;

/// <summary>
/// With several Python threads, a thread that ends a request lets a thread waiting for the GIL
/// take it. Run alone: with other tests keeping the cores busy, a waiting thread may not get a
/// core within the hand-over's time limit, and the counts would measure the machine.
/// </summary>
[Collection(LifecycleCollection.Name)]
public sealed class GilTurnTests
{
    [Fact]
    public async Task AThreadEndingARequestLetsAWaitingThreadRunTheNext()
    {
        // Twelve clients, four threads, requests of about 3 ms of Python each. A thread that took
        // the GIL straight back for its next request ran 75% of the requests right after its
        // own; with the turns, under 1%.
        await using var dram = await DramProcess.StartAsync("gil_turns:application", ["--threads", "4"]);

        await using (var load = LoadClient.Start(dram.BaseUrl + "/work", concurrency: 12))
        {
            Assert.True(await load.WaitForMoreAsync(400, TimeSpan.FromSeconds(60)), "the load never got going");
            var summary = await load.StopAsync();
            Assert.Empty(summary.Failures);
        }

        var stats = (await Wire.GetAsync(dram.Port, "/stats")).BodyText.Split(' ').Select(int.Parse).ToArray();
        var (finished, sameThread) = (stats[0], stats[1]);
        Assert.True(finished >= 400, $"only {finished} requests ran");
        Assert.True(sameThread * 10 < finished, $"{sameThread} of {finished} requests ran on the thread that ran the request before them");
    }
}
