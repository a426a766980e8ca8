using System.Runtime.InteropServices;
using Dram.Python;
using Dram.Python.Native;

namespace Dram.Wsgi;

/// <summary>The start_response callable handed to the app: a native object, one per request.</summary>
internal static unsafe class StartResponse
{
    public static NativeType CreateType() => NativeType.Create("dram.StartResponse", "start_response(status, response_headers, exc_info=None)",
        [], [(NativeType.SlotCall, (nint)(delegate* unmanaged<nint, nint, nint, nint>)&Call)]);

    [UnmanagedCallersOnly]
    private static nint Call(nint self, nint args, nint kwargs)
    {
        try
        {
            var request = WsgiRequest.FromObject(self);
            if (request is null)
            {
                Py.SetError(CApi.ExcRuntimeError, "start_response() was called after its request had finished");
                return 0;
            }
            return request.StartResponse(args, kwargs);
        }
        catch (Exception e)
        {
            Py.SetError(CApi.ExcRuntimeError, $"start_response() failed in the server: {e.Message}");
            return 0;
        }
    }
}
