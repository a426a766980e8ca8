namespace Dram.Wsgi;

/// <summary>Bounded waits of a Python thread on the network (the GIL released by the caller).</summary>
internal static class ClientWait
{
    /// <summary>
    /// Blocks until <paramref name="task"/> ends or <paramref name="limit"/> passes; false when the
    /// limit passed first. A faulted task counts as ended: the caller's await rethrows its exception.
    /// </summary>
    public static bool Completes(Task task, TimeSpan limit)
    {
        try
        {
            return task.Wait(limit);
        }
        catch (AggregateException)
        {
            return true;
        }
    }
}
