namespace Dram.Tests.Misbehaving;

/// <summary>
/// One request-level fault of tests/apps/misbehaving.py (the route is its first path segment) and
/// the outcome Dram must produce: what the client gets, and the one log line naming the fault.
/// </summary>
public sealed record Misbehaviour
{
    /// <summary>The route, i.e. the first segment of the path: <c>/return-none/TAG</c>.</summary>
    public required string Route { get; init; }

    /// <summary>What the app does, as the robustness table says it.</summary>
    public required string Scenario { get; init; }

    /// <summary>The status sent; null when the response is cut by closing the connection.</summary>
    public int? Status { get; init; }

    /// <summary>The body the client receives: the whole body, or the part sent before the close.</summary>
    public required string Body { get; init; }

    /// <summary>What the client gets, as the robustness table says it.</summary>
    public required string Answer { get; init; }

    /// <summary>"ERROR" or "WARNING" for the one line Dram logs about the fault; null when it logs nothing.</summary>
    public string? Level { get; init; }

    /// <summary>Text the log line must hold (after the request's method and path).</summary>
    public string? Logged { get; init; }

    /// <summary>The app records close() of its iterable under the request's tag; it must run once.</summary>
    public bool ClosesIterable { get; init; }

    /// <summary>The client leaves mid-response instead of reading it whole.</summary>
    public bool ClientLeaves { get; init; }
}
