using System.Runtime.InteropServices;
using Dram.Python;
using Dram.Python.Native;

namespace Dram.Wsgi;

/// <summary>The wsgi.input object: read, readline, readlines and iteration over <see cref="RequestBodyReader"/>.</summary>
internal static unsafe class WsgiInput
{
    public static NativeType CreateType() => NativeType.Create("dram.Input", "wsgi.input: the request body",
        [
            new("read", (nint)(delegate* unmanaged<nint, nint*, nint, nint>)&Read, NativeType.MethFastCall, "read(size=-1) -> bytes"),
            new("readline", (nint)(delegate* unmanaged<nint, nint*, nint, nint>)&ReadLine, NativeType.MethFastCall, "readline(size=-1) -> bytes"),
            new("readlines", (nint)(delegate* unmanaged<nint, nint*, nint, nint>)&ReadLines, NativeType.MethFastCall, "readlines(hint=-1) -> list of bytes"),
        ],
        [
            (NativeType.SlotIter, (nint)(delegate* unmanaged<nint, nint>)&Iter),
            (NativeType.SlotIterNext, (nint)(delegate* unmanaged<nint, nint>)&IterNext),
        ]);

    [UnmanagedCallersOnly]
    private static nint Read(nint self, nint* args, nint nargs) => Dispatch(self, args, nargs, "read", static (r, size) => r.Read(size));

    [UnmanagedCallersOnly]
    private static nint ReadLine(nint self, nint* args, nint nargs) => Dispatch(self, args, nargs, "readline", static (r, size) => r.ReadLine(size));

    [UnmanagedCallersOnly]
    private static nint ReadLines(nint self, nint* args, nint nargs) => Dispatch(self, args, nargs, "readlines", static (r, hint) => r.ReadLines(hint));

    [UnmanagedCallersOnly]
    private static nint Iter(nint self) => Py.NewRef(self);

    [UnmanagedCallersOnly]
    private static nint IterNext(nint self)
    {
        var line = Dispatch(self, null, 0, "__next__", static (r, _) => r.ReadLine(-1));
        if (line != 0 && CApi.PyBytes_Size(line) == 0)
        {
            // End of the body: NULL without an exception set means StopIteration.
            Py.DecRef(line);
            return 0;
        }
        return line;
    }

    private static nint Dispatch(nint self, nint* args, nint nargs, string method, Func<RequestBodyReader, long, nint> call)
    {
        try
        {
            var request = WsgiRequest.FromObject(self);
            if (request is null)
            {
                Py.SetError(CApi.ExcValueError, $"wsgi.input.{method}() was called after its request had finished");
                return 0;
            }
            if (nargs > 1)
            {
                Py.SetError(CApi.ExcTypeError, $"wsgi.input.{method}() takes at most one argument");
                return 0;
            }
            long size = -1;
            if (nargs == 1 && args[0] != CApi.None)
            {
                size = CApi.PyLong_AsSsize_t(args[0]);
                if (size == -1 && CApi.PyErr_Occurred() != 0)
                {
                    CApi.PyErr_Clear();
                    Py.SetError(CApi.ExcTypeError, $"wsgi.input.{method}() takes an int or None, got {Py.TypeName(args[0])}");
                    return 0;
                }
            }
            return call(request.Input, size);
        }
        catch (Exception e)
        {
            Py.SetError(CApi.ExcOSError, $"wsgi.input.{method}() failed in the server: {e.Message}");
            return 0;
        }
    }
}
