namespace Dram.Tests.Infrastructure;

/// <summary>One dram serving tests/apps/environ_probe.py with default settings, shared by a test class.</summary>
public sealed class EnvironProbeServer : SharedDram
{
    protected override string App => "environ_probe:application";
}
