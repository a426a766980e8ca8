using Dram.Tests.Infrastructure;

namespace Dram.Tests.Responses;

/// <summary>
/// The threads that run Python keep the ordinary scheduling policy; the worker's I/O threads
/// (Kestrel's socket thread, the thread pool) are SCHED_BATCH, so that a request arriving does not
/// preempt the app while it runs.
/// </summary>
public sealed class SchedulingPolicyTests
{
    private const int SchedOther = 0;
    private const int SchedBatch = 3;

    [Fact]
    public async Task PythonThreadsAreOrdinaryAndSocketThreadsAreBatch()
    {
        await using var dram = await DramProcess.StartAsync("responses_streaming:application", ["--threads", "3"]);
        Assert.Equal("hello", (await Wire.GetAsync(dram.Port, "/hello")).BodyText);
        var threads = ProcessStatus.ThreadPolicies(await dram.WorkerPidAsync());

        var python = threads.Where(t => t.Name.StartsWith("dram-python-", StringComparison.Ordinal)).ToList();
        Assert.Equal(3, python.Count);
        Assert.All(python, t => Assert.Equal(SchedOther, t.Policy));

        var sockets = threads.Where(t => t.Name == ".NET Sockets").ToList();
        Assert.NotEmpty(sockets);
        Assert.All(sockets, t => Assert.Equal(SchedBatch, t.Policy));
    }

    [Fact]
    public async Task ThreadsTheAppStartsInheritTheOrdinaryPolicy()
    {
        await using var dram = await DramProcess.StartAsync("responses_streaming:application", ["--threads", "1"]);
        var response = await Wire.GetAsync(dram.Port, "/thread-policy");
        Assert.Equal(200, response.StatusCode);
        Assert.Equal(SchedOther.ToString(System.Globalization.CultureInfo.InvariantCulture), response.BodyText);
    }
}
