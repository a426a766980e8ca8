namespace Dram.Metrics;

/// <summary>Why the master replaced a worker: the <c>reason</c> label of <c>dram_worker_restarts_total</c>.</summary>
internal static class RestartReason
{
    /// <summary>The worker died on its own: killed by a signal from outside, a crash, an exit the master did not ask for.</summary>
    public const string Crash = "crash";

    public const string MaxRequests = "max_requests";

    public const string MaxWorkerMemory = "max_worker_memory";

    public const string MaxWorkerLifetime = "max_worker_lifetime";

    /// <summary>A request thread could not be interrupted after <c>--timeout</c>, or the worker stopped sending heartbeats.</summary>
    public const string Timeout = "timeout";

    /// <summary>HUP or <c>--reload</c>: replaced by a worker running freshly imported code.</summary>
    public const string Reload = "reload";

    public static readonly IReadOnlyList<string> All = [Crash, MaxRequests, MaxWorkerMemory, MaxWorkerLifetime, Timeout, Reload];

    /// <summary>The reason a worker gave when it asked to be replaced, if it is one of these.</summary>
    public static string? FromWorker(string kind) => kind is MaxRequests or MaxWorkerMemory or MaxWorkerLifetime or Timeout ? kind : null;
}
