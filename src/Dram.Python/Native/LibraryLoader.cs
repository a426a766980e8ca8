using System.Runtime.InteropServices;

namespace Dram.Python.Native;

/// <summary>Loads libpython with RTLD_GLOBAL so C extension modules can resolve its symbols.</summary>
internal static unsafe partial class LibraryLoader
{
    private const int RtldNow = 0x002;
    private const int RtldGlobal = 0x100;

    [LibraryImport("libc", EntryPoint = "dlopen", StringMarshalling = StringMarshalling.Utf8)]
    private static partial nint DlOpen(string? path, int flags);

    [LibraryImport("libc", EntryPoint = "dlsym", StringMarshalling = StringMarshalling.Utf8)]
    private static partial nint DlSym(nint handle, string symbol);

    [LibraryImport("libc", EntryPoint = "dlerror")]
    private static partial nint DlError();

    public static nint Open(string path)
    {
        DlError();
        var handle = DlOpen(path, RtldNow | RtldGlobal);
        if (handle == 0)
        {
            var message = Marshal.PtrToStringUTF8(DlError()) ?? "unknown dlopen error";
            throw new PythonLoadException($"Could not load {path}: {message}");
        }
        return handle;
    }

    /// <summary>
    /// The running program and the libraries it loaded, for a process whose executable is the
    /// Python interpreter itself (its C API is exported by the executable or its libpython).
    /// </summary>
    public static nint OpenRunningProgram()
    {
        DlError();
        var handle = DlOpen(null, RtldNow);
        if (handle == 0)
        {
            var message = Marshal.PtrToStringUTF8(DlError()) ?? "unknown dlopen error";
            throw new PythonLoadException($"Could not look up the running Python's symbols: {message}");
        }
        return handle;
    }

    public static nint Symbol(nint library, string name)
    {
        var address = DlSym(library, name);
        if (address == 0)
        {
            throw new PythonLoadException($"libpython does not export {name}; this Python is not a supported CPython (3.10 to 3.13).");
        }
        return address;
    }

    public static nint OptionalSymbol(nint library, string name) => DlSym(library, name);
}
