namespace Dram.Tests.Infrastructure;

/// <summary>One dram serving tests/apps/input_probe.py with default settings, shared by a test class.</summary>
public sealed class InputProbeServer : SharedDram
{
    protected override string App => "input_probe:application";
}
