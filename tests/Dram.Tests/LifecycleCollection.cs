namespace Dram.Tests;

/// <summary>
/// The master/worker lifecycle tests run one at a time and not alongside other tests: each keeps
/// several worker processes busy under load, and timing-dependent behaviour (replacement, drain,
/// back-off, the Python threads' turns at the GIL) is what they check.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class LifecycleCollection
{
    public const string Name = "Master/worker lifecycle";
}
