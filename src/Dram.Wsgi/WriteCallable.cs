using System.Runtime.InteropServices;
using Dram.Python;
using Dram.Python.Native;

namespace Dram.Wsgi;

/// <summary>The write(data) callable start_response returns: sends at once, returns when flushed.</summary>
internal static unsafe class WriteCallable
{
    public static NativeType CreateType() => NativeType.Create("dram.Write", "write(data): send bytes of the response body now",
        [], [(NativeType.SlotCall, (nint)(delegate* unmanaged<nint, nint, nint, nint>)&Call)]);

    [UnmanagedCallersOnly]
    private static nint Call(nint self, nint args, nint kwargs)
    {
        try
        {
            var request = WsgiRequest.FromObject(self);
            if (request is null)
            {
                Py.SetError(CApi.ExcRuntimeError, "write() was called after its request had finished");
                return 0;
            }
            if (CApi.PyTuple_Size(args) != 1 || (kwargs != 0 && CApi.PyObject_Size(kwargs) != 0))
            {
                Py.SetError(CApi.ExcTypeError, "write() takes exactly one bytes argument");
                return 0;
            }
            return request.Write(CApi.PyTuple_GetItem(args, 0));
        }
        catch (Exception e)
        {
            Py.SetError(CApi.ExcRuntimeError, $"write() failed in the server: {e.Message}");
            return 0;
        }
    }
}
