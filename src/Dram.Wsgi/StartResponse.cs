using System.Runtime.InteropServices;
using Dram.Python;
using Dram.Python.Native;

namespace Dram.Wsgi;

/// <summary>
/// The start_response callable handed to the app: a native object, one per request. Calls reach it
/// through vectorcall, with the arguments in place rather than packed into a new tuple; a caller
/// that has a tuple anyway goes through CPython's own adapter (<c>PyVectorcall_Call</c>).
/// </summary>
internal static unsafe class StartResponse
{
    public static NativeType CreateType() => NativeType.Create("dram.StartResponse", "start_response(status, response_headers, exc_info=None)",
        [], [(NativeType.SlotCall, (nint)CApi.PyVectorcall_Call)],
        vectorcall: (nint)(delegate* unmanaged<nint, nint*, nuint, nint, nint>)&Vectorcall);

    /// <summary>PY_VECTORCALL_ARGUMENTS_OFFSET: a flag in nargsf, not part of the count.</summary>
    private const ulong ArgumentsOffset = 1UL << 63;

    [UnmanagedCallersOnly]
    private static nint Vectorcall(nint self, nint* args, nuint nargsf, nint kwnames) =>
        RequestCallable.Invoke(self, "start_response", (args: (nint)args, argc: (nint)((ulong)nargsf & ~ArgumentsOffset), kwnames),
            static (request, a) => request.StartResponse((nint*)a.args, a.argc, a.kwnames));
}
