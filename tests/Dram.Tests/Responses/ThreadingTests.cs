using System.Diagnostics;
using Dram.Tests.Infrastructure;

namespace Dram.Tests.Responses;

/// <summary>--threads N runs N requests at once, and a request blocked outside Python (GIL released) does not hold up the others.</summary>
public sealed class ThreadingTests
{
    [Fact]
    public async Task FourThreadsRunFourSleepingRequestsAtOnce()
    {
        await using var dram = await DramProcess.StartAsync("responses_streaming:application", ["--threads", "4"]);
        await Wire.GetAsync(dram.Port, "/hello");

        var watch = Stopwatch.StartNew();
        var responses = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Wire.GetAsync(dram.Port, "/sleep?s=1")));
        watch.Stop();

        Assert.All(responses, r => Assert.Equal(200, r.StatusCode));
        // Each ran on its own Python thread...
        Assert.Equal(4, responses.Select(r => r.BodyText).Distinct().Count());
        // ...at the same time: one after another would take 4 s. (A loose bound: this proves concurrency, it is no benchmark.)
        Assert.True(watch.Elapsed >= TimeSpan.FromSeconds(1), $"four 1 s sleeps took {watch.Elapsed}");
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(3.5), $"four 1 s sleeps on four threads took {watch.Elapsed}");
    }

    [Fact]
    public async Task SleepingRequestDoesNotBlockARequestOnAnotherThread()
    {
        await using var dram = await DramProcess.StartAsync("responses_streaming:application", ["--threads", "2"]);
        await Wire.GetAsync(dram.Port, "/hello");

        var sleeping = Wire.GetAsync(dram.Port, "/sleep?s=3");
        // Wait until the request is inside time.sleep (asking is itself served by the other thread).
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(5);
        while ((await Wire.GetAsync(dram.Port, "/sleeping")).BodyText != "1")
        {
            Assert.True(DateTime.UtcNow < deadline, "the sleeping request never started");
            await Task.Delay(20);
        }

        var watch = Stopwatch.StartNew();
        var hello = await Wire.GetAsync(dram.Port, "/hello");
        watch.Stop();

        Assert.Equal("hello", hello.BodyText);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(1), $"hello took {watch.Elapsed} while another thread slept");
        Assert.False(sleeping.IsCompleted, "the sleeping request finished early, so the test proved nothing");
        Assert.Equal(200, (await sleeping).StatusCode);
    }

    [Fact]
    public async Task AnswersHeldForABatchGoOutWhileASlowRequestAfterThemRuns()
    {
        // One Python thread holds quick answers back while more requests are queued, to hand them to
        // Kestrel in a batch; a request after them taking 1.5 s must not hold them that long. Which
        // of the quick answers are held depends on their timing, so the round is run five times:
        // some are held in nearly every round.
        await using var dram = await DramProcess.StartAsync("responses_streaming:application", ["--threads", "1"]);
        await Wire.GetAsync(dram.Port, "/hello");

        for (var round = 0; round < 5; round++)
        {
            var watch = Stopwatch.StartNew();
            var blocking = Wire.GetAsync(dram.Port, "/sleep?s=0.5");
            await Task.Delay(200);
            var quick = Enumerable.Range(0, 10).Select(async _ =>
            {
                var response = await Wire.GetAsync(dram.Port, "/hello");
                return (response, watch.Elapsed);
            }).ToArray();
            await Task.Delay(100);
            var slow = Wire.GetAsync(dram.Port, "/sleep?s=1.5");

            // Queued behind the 0.5 s sleep, the quick requests run as it ends, then the slow one.
            var answers = await Task.WhenAll(quick);
            Assert.All(answers, a => Assert.Equal("hello", a.response.BodyText));
            Assert.All(answers, a => Assert.True(a.Elapsed < TimeSpan.FromSeconds(1.4), $"round {round}: an answer held behind the slow request came after {a.Elapsed}"));
            Assert.False(slow.IsCompleted, "the slow request finished early, so the test proved nothing");
            Assert.Equal(200, (await blocking).StatusCode);
            Assert.Equal(200, (await slow).StatusCode);
        }
    }

    [Fact]
    public async Task AnAppsOwnThreadKeepsTickingWhileOneThreadIsIdleAndWhileItServesQuickRequests()
    {
        // The app's thread sleeps 1 ms a tick and needs the GIL for each (about 900 ticks a second
        // when idle). The app sets the interpreter's switch interval to 0.5 s: a request thread that
        // kept the GIL while waiting for work, or through a busy stretch, would leave it a tick or
        // two a second.
        await using var dram = await DramProcess.StartAsync("background_ticks:application", ["--threads", "1"]);

        var idle = await TicksOverAsync(dram.Port, TimeSpan.FromSeconds(1));
        Assert.True(idle >= 300, $"the app's thread ticked {idle} times in 1 s while the worker was idle");

        await using var load = LoadClient.Start(dram.BaseUrl + "/hello", concurrency: 16);
        Assert.True(await load.WaitForMoreAsync(1000, TimeSpan.FromSeconds(30)), "the load never got going");
        var busy = await TicksOverAsync(dram.Port, TimeSpan.FromSeconds(1));
        var served = load.Completed;
        var summary = await load.StopAsync();

        Assert.Empty(summary.Failures);
        Assert.True(busy >= 100, $"the app's thread ticked {busy} times in 1 s while the worker served back-to-back requests ({served} answered in all)");
    }

    private static async Task<int> TicksOverAsync(int port, TimeSpan span)
    {
        var before = int.Parse((await Wire.GetAsync(port, "/ticks")).BodyText);
        await Task.Delay(span);
        return int.Parse((await Wire.GetAsync(port, "/ticks")).BodyText) - before;
    }
}
