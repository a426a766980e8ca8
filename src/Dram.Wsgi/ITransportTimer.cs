namespace Dram.Wsgi;

/// <summary>
/// A one-shot timer kept by the transport's event loop: when it expires, the callback it was
/// created with runs on the I/O thread. Arming it again before it expires moves the expiry.
/// </summary>
public interface ITransportTimer
{
    /// <summary>Expires <paramref name="microseconds"/> from now, replacing any expiry set before.</summary>
    void Arm(int microseconds);
}
