namespace Dram.Tests.Responses;

/// <summary>tests/apps/responses.py served with two Python threads (so /closed answers while another request runs).</summary>
public sealed class ResponsesApp : ServedApp
{
    protected override string App => "responses:application";
}
