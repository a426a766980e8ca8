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
    private static nint Call(nint self, nint args, nint kwargs) =>
        RequestCallable.Invoke(self, "write", (args, kwargs), static (request, a) =>
        {
            if (Py.TupleSize(a.args) != 1 || (a.kwargs != 0 && CApi.PyObject_Size(a.kwargs) != 0))
            {
                Py.SetError(CApi.ExcTypeError, "write() takes exactly one bytes argument");
                return 0;
            }
            return request.Write(Py.TupleItem(a.args, 0));
        });
}
