using System.Runtime.InteropServices;
using Dram.Python;
using Dram.Python.Native;
using Microsoft.Extensions.Logging;

namespace Dram.Wsgi.Hooks;

/// <summary>The native function behind <c>server.log</c> and <c>worker.log</c>: (level, text) into the error log.</summary>
internal static unsafe class HookLog
{
    private static Action<LogLevel, string> _sink = static (_, _) => { };

    /// <summary>Creates the function (new reference); lines go to <paramref name="sink"/>. The GIL must be held.</summary>
    public static nint Create(Action<LogLevel, string> sink)
    {
        _sink = sink;
        var type = NativeType.Create("dram.HookLog", "emit(level, text): a line in the server's error log", [],
            [(NativeType.SlotCall, (nint)(delegate* unmanaged<nint, nint, nint, nint>)&Emit)]);
        return type.New(0, 0);
    }

    [UnmanagedCallersOnly]
    private static nint Emit(nint self, nint args, nint kwargs)
    {
        if (CApi.PyTuple_Size(args) != 2)
        {
            Py.SetError(CApi.ExcTypeError, "emit() takes (level, text)");
            return 0;
        }
        var level = CApi.PyLong_AsSsize_t(CApi.PyTuple_GetItem(args, 0));
        if (level == -1 && CApi.PyErr_Occurred() != 0)
        {
            return 0;
        }
        var text = Py.ToStringOrNull(CApi.PyTuple_GetItem(args, 1));
        if (text is null)
        {
            Py.SetError(CApi.ExcTypeError, "emit() takes a str text");
            return 0;
        }
        try
        {
            _sink(level switch
            {
                < 20 => LogLevel.Debug,
                < 30 => LogLevel.Information,
                < 40 => LogLevel.Warning,
                < 50 => LogLevel.Error,
                _ => LogLevel.Critical,
            }, text);
        }
        catch (Exception e)
        {
            Py.SetError(CApi.ExcRuntimeError, $"the server could not log the line: {e.Message}");
            return 0;
        }
        return Py.NewRef(CApi.None);
    }
}
