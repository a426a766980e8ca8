namespace Dram.Tests.Infrastructure;

/// <summary>environ_probe mounted below /app with --root-path, shared by a test class.</summary>
public sealed class MountedEnvironProbeServer : SharedDram
{
    protected override string App => "environ_probe:application";

    protected override IEnumerable<string> Args => ["--root-path", "/app"];
}
