namespace Dram.Wsgi;

/// <summary>
/// The transport's socket events that are ready now, which a Python thread about to sleep can run
/// itself (receiving, parsing, queuing requests, sending): on one core that spares the switch to the
/// I/O thread and back, and answers go out while the next requests are read, as on a single-threaded
/// server.
/// </summary>
public interface IReadySocketEvents
{
    /// <summary>Runs the events ready at this moment without waiting for any; false when there were none.</summary>
    bool RunReady();

    /// <summary>A timer whose expiry runs <paramref name="expired"/> on the I/O thread, which waits for it with the sockets.</summary>
    ITransportTimer CreateTimer(Action expired);
}
