using Dram.Python;
using Dram.Python.Native;

namespace Dram.Wsgi;

/// <summary>
/// For <c>--reload</c>: the source files of the modules the app imported that lie under the app's
/// directories (<c>--chdir</c>, <c>--pythonpath</c>), outside the interpreter's libraries. Only the
/// worker's interpreter knows them; the master watches them.
/// </summary>
public sealed unsafe class AppSourceFiles
{
    private readonly nint _newSourceFiles;
    private readonly nint _roots;

    /// <summary>Loads the helper; the GIL must be held.</summary>
    public AppSourceFiles(IReadOnlyList<string> roots)
    {
        var ns = Py.RunModuleSource(EmbeddedPython.Read("dram_sources.py"), "dram._sources");
        _newSourceFiles = Py.NewRef(Py.BorrowItem(ns, "new_source_files"));
        Py.DecRef(ns);
        _roots = Py.Check(CApi.PyTuple_New(roots.Count));
        for (var i = 0; i < roots.Count; i++)
        {
            CApi.PyTuple_SetItem(_roots, i, Py.NewString(roots[i]));
        }
    }

    /// <summary>The files found since the last call (all of them the first time); the GIL must be held.</summary>
    public IReadOnlyList<string> TakeNew()
    {
        var text = Py.Call(_newSourceFiles, _roots);
        try
        {
            var files = Py.ToStringOrNull(text) ?? "";
            return files.Length == 0 ? [] : files.Split('\n');
        }
        finally
        {
            Py.DecRef(text);
        }
    }
}
