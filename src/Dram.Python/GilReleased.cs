using Dram.Python.Native;

namespace Dram.Python;

/// <summary>
/// Releases the GIL for the scope of a .NET wait (socket read, flush) made from Python-facing
/// code, so other Python threads run meanwhile: <c>using (GilReleased.Scope()) { ... }</c>.
/// </summary>
public readonly ref struct GilReleased
{
    private readonly nint _state;

    private GilReleased(nint state) => _state = state;

    public static unsafe GilReleased Scope() => new(CApi.PyEval_SaveThread());

    public void Dispose() => GilTurns.Take(_state);
}
