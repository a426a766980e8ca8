namespace Dram.Hosting;

/// <summary>
/// Makes workers that share a listening socket take new connections in turn. Each new connection
/// wakes every worker's accept loop and the first to call accept wins it, so a burst (a load
/// balancer or wrk opening 32 keep-alive connections at once) could land wholly on one worker and
/// leave the other idle for as long as the connections live: two workers serving Django split 32
/// connections 32/0 and answered 3.7k req/s against 5.5-7.1k when split 10/22 or better. Here a
/// worker holding more connections than the least-loaded accepting worker, beyond a margin, pauses
/// its accept loop until the others catch up. The least-loaded worker never pauses, so some worker
/// always accepts; connections never wait on a paused one.
/// </summary>
internal sealed class AcceptTurn(AcceptBoard board, int slot)
{
    // The paused worker re-reads the board after this long at first, backing off while nothing on
    // it changes (idle keep-alive connections can keep it paused for minutes).
    private const int FirstPauseMilliseconds = 1;
    private const int LongestPauseMilliseconds = 16;

    public unsafe void Opened() => Interlocked.Increment(ref *board.OpenConnections(slot));

    public unsafe void Closed() => Interlocked.Decrement(ref *board.OpenConnections(slot));

    public unsafe void StartAccepting() => Volatile.Write(ref *board.Accepting(slot), 1);

    public unsafe void StopAccepting() => Volatile.Write(ref *board.Accepting(slot), 0);

    /// <summary>
    /// This worker may take the next connection: no other accepting worker holds fewer than this
    /// one's connections less a margin of one in eight (at least one), so a burst alternates
    /// between workers in runs that grow with the load instead of one connection at a time.
    /// </summary>
    public bool IsMine() => IsMine(out _);

    /// <summary>
    /// Returns once <see cref="IsMine()"/> holds, <paramref name="stopped"/> says the listener closed,
    /// or connections have waited on <paramref name="descriptor"/> (the listening socket) through two
    /// pauses: the workers whose turn it is are not accepting (stopped in a debugger, or every thread
    /// busy), so this one takes the connection rather than leave it waiting.
    /// </summary>
    public async ValueTask WaitAsync(Func<bool> stopped, int descriptor)
    {
        var pause = FirstPauseMilliseconds;
        var waitingBefore = false;
        IsMine(out var seen);
        while (!stopped())
        {
            await Task.Delay(pause);
            if (IsMine(out var now))
            {
                return;
            }
            var waiting = descriptor >= 0 && ListeningDescriptor.HasPendingConnection(descriptor);
            if (waiting && waitingBefore)
            {
                return;
            }
            waitingBefore = waiting;
            pause = now == seen && !waiting ? Math.Min(pause * 2, LongestPauseMilliseconds) : FirstPauseMilliseconds;
            seen = now;
        }
    }

    /// <param name="boardState">A hash that changes when any worker's count or accepting state does.</param>
    private unsafe bool IsMine(out long boardState)
    {
        var mine = Volatile.Read(ref *board.OpenConnections(slot));
        var least = int.MaxValue;
        boardState = mine;
        var slots = Math.Min(Volatile.Read(ref *board.SlotsInUse), AcceptBoard.Capacity);
        for (var other = 0; other < slots; other++)
        {
            if (other == slot)
            {
                continue;
            }
            var open = Volatile.Read(ref *board.OpenConnections(other));
            var accepting = Volatile.Read(ref *board.Accepting(other));
            boardState = boardState * 31 + open * 2 + accepting;
            if (accepting == 1 && open < least)
            {
                least = open;
            }
        }
        return least == int.MaxValue || mine <= least + Math.Max(1, least / 8);
    }
}
