namespace Dram.Tests.Infrastructure;

/// <summary>
/// input_probe with a 30 s keep-alive, shared by a test class: long enough that anything the
/// server only sends when an idle connection is closed cannot reach a test that waits 10 s.
/// </summary>
public sealed class InputProbeLongKeepAliveServer : SharedDram
{
    protected override string App => "input_probe:application";

    protected override IEnumerable<string> Args => ["--keep-alive", "30"];
}
