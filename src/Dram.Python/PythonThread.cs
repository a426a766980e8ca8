using Dram.Python.Native;

namespace Dram.Python;

/// <summary>
/// One OS thread's attachment to the interpreter, made once for the thread's life. Creating and
/// destroying a thread state per request (<c>PyGILState_Ensure</c>/<c>Release</c>) costs more than a
/// whole hello-world request, so the thread keeps its state and only swaps the GIL with
/// <c>PyEval_RestoreThread</c>/<c>PyEval_SaveThread</c>.
/// </summary>
public sealed unsafe class PythonThread
{
    private nint _state;

    /// <summary>The GIL's turn count when this thread last gave it up.</summary>
    private int _turnAtLeave;

    private PythonThread(nint state, ulong ident)
    {
        _state = state;
        Ident = ident;
    }

    /// <summary>The Python thread id (<c>threading.get_ident()</c>), for injecting exceptions.</summary>
    public ulong Ident { get; }

    /// <summary>Attaches the calling OS thread; it does not hold the GIL afterwards.</summary>
    public static PythonThread AttachCurrent()
    {
        CApi.PyGILState_Ensure();
        var ident = CApi.PyThread_get_thread_ident();
        var state = CApi.PyEval_SaveThread();
        return new PythonThread(state, ident);
    }

    /// <summary>Takes the GIL for this thread.</summary>
    public void Enter() => GilTurns.Take(_state);

    /// <summary>Gives the GIL up.</summary>
    public void Leave()
    {
        _turnAtLeave = GilTurns.Turn;
        _state = CApi.PyEval_SaveThread();
    }

    /// <summary>
    /// Called after <see cref="Leave"/> where a request ended: lets a thread waiting for the GIL
    /// take it before this one asks again (<see cref="GilTurns"/>).
    /// </summary>
    public void LetAWaiterIn() => GilTurns.PassOn(_turnAtLeave);
}
