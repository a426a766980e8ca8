using System.Runtime.InteropServices;
using System.Text;
using Dram.Python;
using Dram.Python.Native;

namespace Dram.Wsgi;

/// <summary>wsgi.errors: a text stream (write, writelines, flush) into the server's error log.</summary>
internal static unsafe class WsgiErrors
{
    private static Action<string> _sink = static _ => { };

    /// <summary>Creates the one shared stream object (new reference).</summary>
    public static nint Create(Action<string> sink)
    {
        _sink = sink;
        var type = NativeType.Create("dram.Errors", "wsgi.errors: the server's error log",
            [
                new("write", (nint)(delegate* unmanaged<nint, nint, nint>)&Write, NativeType.MethO, "write(str)"),
                new("writelines", (nint)(delegate* unmanaged<nint, nint, nint>)&WriteLines, NativeType.MethO, "writelines(iterable of str)"),
                new("flush", (nint)(delegate* unmanaged<nint, nint, nint>)&Flush, NativeType.MethNoArgs, "flush()"),
            ], []);
        return type.New(0, 0);
    }

    [UnmanagedCallersOnly]
    private static nint Write(nint self, nint text) => WriteOne(text) ? Py.NewRef(CApi.None) : 0;

    [UnmanagedCallersOnly]
    private static nint WriteLines(nint self, nint lines)
    {
        var iterator = CApi.PyObject_GetIter(lines);
        if (iterator == 0)
        {
            return 0;
        }
        nint item;
        while ((item = CApi.PyIter_Next(iterator)) != 0)
        {
            var ok = WriteOne(item);
            Py.DecRef(item);
            if (!ok)
            {
                Py.DecRef(iterator);
                return 0;
            }
        }
        Py.DecRef(iterator);
        return CApi.PyErr_Occurred() != 0 ? 0 : Py.NewRef(CApi.None);
    }

    [UnmanagedCallersOnly]
    private static nint Flush(nint self, nint unused) => Py.NewRef(CApi.None);

    private static bool WriteOne(nint text)
    {
        string? value;
        if (CApi.TypeOf(text) == CApi.BytesType)
        {
            value = Encoding.UTF8.GetString(new ReadOnlySpan<byte>(CApi.PyBytes_AsString(text), (int)CApi.PyBytes_Size(text)));
        }
        else
        {
            value = Py.ToStringOrNull(text);
        }
        if (value is null)
        {
            Py.SetError(CApi.ExcTypeError, $"wsgi.errors.write() takes str, got {Py.TypeName(text)}");
            return false;
        }
        _sink(value);
        return true;
    }
}
