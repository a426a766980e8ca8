namespace Dram.Tests.Responses;

/// <summary>tests/apps/responses_streaming.py with two Python threads: one streams while the other answers the test's side requests.</summary>
public sealed class StreamingApp : ServedApp
{
    protected override string App => "responses_streaming:application";
}
