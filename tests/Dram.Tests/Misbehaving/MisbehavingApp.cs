using Dram.Tests.Responses;

namespace Dram.Tests.Misbehaving;

/// <summary>
/// tests/apps/misbehaving.py with one worker and four Python threads, shared by the request-level
/// cases: every fault happens in the worker that also serves the concurrent client, so "the
/// worker kept serving" is checked where the fault was.
/// </summary>
public sealed class MisbehavingApp : ServedApp
{
    protected override string App => "misbehaving:application";

    protected override IEnumerable<string> Args => ["--threads", "4"];
}
