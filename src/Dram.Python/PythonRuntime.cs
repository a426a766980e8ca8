using System.Text;
using Dram.Python.Native;

namespace Dram.Python;

/// <summary>
/// The one embedded interpreter of this process. Initialised on the main thread, which holds the
/// GIL until <see cref="ReleaseMainThread"/>; after that every thread that runs Python owns a
/// <see cref="PythonThread"/>.
/// </summary>
public static unsafe class PythonRuntime
{
    public static PythonInstallation? Installation { get; private set; }

    /// <summary>
    /// Loads the installation's libpython and starts the interpreter as if its executable ran:
    /// the program name decides <c>sys.prefix</c> (so a venv stays a venv) and <c>sys.executable</c>.
    /// Python installs no signal handlers; the server owns signals.
    /// </summary>
    public static void Initialize(PythonInstallation installation, IReadOnlyList<string> argv)
    {
        if (installation.MissingLibraryMessage() is { } missing)
        {
            throw new PythonLoadException(missing);
        }
        var lib = LibraryLoader.Open(installation.LibraryPath!);
        CApi.Load(lib, installation.FreeThreaded, installation.Minor);
        Installation = installation;

        // The decoded program name must outlive the interpreter, so it is never freed.
        var program = Encoding.UTF8.GetBytes(installation.Executable + "\0");
        fixed (byte* p = program)
        {
            var wide = CApi.Py_DecodeLocale(p, null);
            if (wide == 0)
            {
                throw new PythonLoadException($"Could not decode the interpreter path {installation.Executable}.");
            }
            CApi.Py_SetProgramName(wide);
        }
        CApi.Py_InitializeEx(0);
        if (CApi.Py_IsInitialized() == 0)
        {
            throw new PythonLoadException($"Python {installation.Version} from {installation.LibraryPath} failed to initialise.");
        }

        SetArgv(argv);
    }

    /// <summary>
    /// For a worker running inside the interpreter's own executable (<c>python -c</c> calling into
    /// Dram through ctypes, with the GIL released): takes the C API from the running program, so
    /// requests run on exactly the interpreter <c>python</c> runs, and takes the GIL back on this,
    /// Python's main thread, which then holds it until <see cref="ReleaseMainThread"/>.
    /// </summary>
    public static void AttachToHost(PythonInstallation installation, IReadOnlyList<string> argv)
    {
        CApi.Load(LibraryLoader.OpenRunningProgram(), installation.FreeThreaded, installation.Minor);
        if (CApi.Py_IsInitialized() == 0)
        {
            throw new PythonLoadException($"Python {installation.Version} at {installation.Executable} started Dram without initialising itself.");
        }
        Installation = installation;
        CApi.PyGILState_Ensure();
        _mainThreadHoldsGil = true;
        SetArgv(argv);
    }

    private static void SetArgv(IReadOnlyList<string> argv)
    {
        var list = Py.Check(CApi.PyList_New(0));
        foreach (var arg in argv)
        {
            var s = Py.NewString(arg);
            CApi.PyList_Append(list, s);
            Py.DecRef(s);
        }
        CApi.PySys_SetObject(Py.U8("argv"), list);
        Py.DecRef(list);
    }

    /// <summary>Puts <paramref name="entries"/> at the front of <c>sys.path</c>, in order.</summary>
    public static void PrependSysPath(IReadOnlyList<string> entries)
    {
        var path = CApi.PySys_GetObject(Py.U8("path"));
        for (var i = entries.Count - 1; i >= 0; i--)
        {
            var s = Py.NewString(entries[i]);
            CApi.PyList_Insert(path, 0, s);
            Py.DecRef(s);
        }
    }

    /// <summary>Puts <paramref name="entry"/> at the end of <c>sys.path</c> unless it is there already.</summary>
    public static void AppendSysPath(string entry)
    {
        var path = CApi.PySys_GetObject(Py.U8("path"));
        var count = CApi.PyList_Size(path);
        for (nint i = 0; i < count; i++)
        {
            if (Py.ToStringOrNull(CApi.PyList_GetItem(path, i)) == entry)
            {
                return;
            }
        }
        var s = Py.NewString(entry);
        CApi.PyList_Append(path, s);
        Py.DecRef(s);
    }

    /// <summary>Reads a string attribute of <c>sys</c> (e.g. <c>version</c>, <c>prefix</c>).</summary>
    public static string SysString(string name)
    {
        var value = CApi.PySys_GetObject(Py.U8(name));
        return value == 0 ? "" : Py.ToStringOrNull(value) ?? Py.Describe(value);
    }

    private static bool _mainThreadHoldsGil;

    /// <summary>The main thread gives up the GIL so the Python threads can take it.</summary>
    public static void ReleaseMainThread()
    {
        _mainThreadHoldsGil = false;
        CApi.PyEval_SaveThread();
    }

    /// <summary>Gives up the GIL if the main thread still holds it (a worker that stopped before serving).</summary>
    public static void ReleaseMainThreadIfHeld()
    {
        if (_mainThreadHoldsGil)
        {
            ReleaseMainThread();
        }
    }
}
