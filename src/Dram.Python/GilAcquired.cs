using Dram.Python.Native;

namespace Dram.Python;

/// <summary>
/// Holds the GIL for a scope on a thread that has no <see cref="PythonThread"/>: the master calling
/// a server hook from its event loop, a worker running a hook as it stops. Each use creates and
/// destroys a thread state (<c>PyGILState_Ensure</c>/<c>Release</c>), which is fine for these rare
/// calls and never used per request: <c>using (GilAcquired.Take()) { ... }</c>.
/// </summary>
public readonly ref struct GilAcquired
{
    private readonly int _state;

    private GilAcquired(int state) => _state = state;

    public static unsafe GilAcquired Take() => new(CApi.PyGILState_Ensure());

    public unsafe void Dispose() => CApi.PyGILState_Release(_state);
}
