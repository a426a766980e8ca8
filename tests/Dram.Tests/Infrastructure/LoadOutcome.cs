namespace Dram.Tests.Infrastructure;

/// <summary>
/// One request sent by <see cref="LoadClient"/>: when it was sent and when it ended, and either the
/// status code (with the worker pid and app version parsed from a <c>pid=N version=V</c> body) or
/// the exception that ended it.
/// </summary>
public sealed record LoadOutcome(
    DateTime Sent,
    DateTime Ended,
    int? Status,
    int? Pid,
    string? Version,
    string? Error)
{
    public bool Succeeded => Status == 200 && Error is null;
}
