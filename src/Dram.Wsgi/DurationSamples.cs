namespace Dram.Wsgi;

/// <summary>
/// A fixed ring of request durations that many request threads add to without locking and one
/// reporter drains. When more than <see cref="Capacity"/> requests end between two drains, the
/// oldest samples are overwritten: the reporter sends the ones left with their sampling rate.
/// </summary>
internal sealed class DurationSamples
{
    public const int Capacity = 4096;
    private const long Mask = Capacity - 1;

    private readonly long[] _values = new long[Capacity];

    /// <summary>Per slot, one more than the sequence number whose value the slot holds (0: never written).</summary>
    private readonly long[] _published = new long[Capacity];

    private long _next;
    private long _drained;

    public void Add(long ticks)
    {
        var sequence = Interlocked.Increment(ref _next) - 1;
        var slot = (int)(sequence & Mask);
        _values[slot] = ticks;
        Volatile.Write(ref _published[slot], sequence + 1);
    }

    /// <summary>Only one thread drains. A sample still being written is skipped (counted as observed).</summary>
    public int Drain(Span<long> into, out long observed)
    {
        var end = Interlocked.Read(ref _next);
        observed = end - _drained;
        var kept = 0;
        for (var sequence = Math.Max(_drained, end - Capacity); sequence < end && kept < into.Length; sequence++)
        {
            var slot = (int)(sequence & Mask);
            if (Volatile.Read(ref _published[slot]) != sequence + 1)
            {
                continue;
            }
            var value = _values[slot];
            // Overwritten by a writer a whole lap ahead while it was read: its value is no longer this sample's.
            if (Volatile.Read(ref _published[slot]) != sequence + 1)
            {
                continue;
            }
            into[kept++] = value;
        }
        _drained = end;
        return kept;
    }
}
