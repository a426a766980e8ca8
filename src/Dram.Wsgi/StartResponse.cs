using System.Runtime.InteropServices;
using Dram.Python;

namespace Dram.Wsgi;

/// <summary>The start_response callable handed to the app: a native object, one per request.</summary>
internal static unsafe class StartResponse
{
    public static NativeType CreateType() => NativeType.Create("dram.StartResponse", "start_response(status, response_headers, exc_info=None)",
        [], [(NativeType.SlotCall, (nint)(delegate* unmanaged<nint, nint, nint, nint>)&Call)]);

    [UnmanagedCallersOnly]
    private static nint Call(nint self, nint args, nint kwargs) =>
        RequestCallable.Invoke(self, "start_response", (args, kwargs), static (request, a) => request.StartResponse(a.args, a.kwargs));
}
