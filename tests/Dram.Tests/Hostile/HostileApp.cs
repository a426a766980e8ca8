using Dram.Tests.Infrastructure;

namespace Dram.Tests.Hostile;

/// <summary>tests/apps/hostile.py served with default settings, shared by the tests of a class.</summary>
public sealed class HostileApp : SharedDram
{
    protected override string App => "hostile:application";
}
