namespace Dram.Transport;

/// <summary>What the event loop tells of a registered descriptor's readiness (epoll event bits).</summary>
internal interface IReadinessTarget
{
    void OnReadiness(uint events);
}
