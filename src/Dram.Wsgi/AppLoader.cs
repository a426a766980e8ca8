using Dram.Python;

namespace Dram.Wsgi;

/// <summary>Imports the module and finds the callable named by <c>MODULE[:CALLABLE]</c>, once, at start-up.</summary>
public static class AppLoader
{
    /// <summary>Loads the app; the GIL must be held. Returns a new reference to the callable.</summary>
    public static nint Load(string spec)
    {
        var source = EmbeddedPython.Read("app_loader.py");
        var ns = Py.RunModuleSource(source, "dram._app_loader");
        try
        {
            var load = Py.BorrowItem(ns, "load");
            var arg = Py.NewString(spec);
            try
            {
                return Py.Call(load, arg);
            }
            catch (PythonException e) when (e.TypeName == "AppLoadError")
            {
                throw new AppLoadException(e.Message);
            }
            catch (PythonException e)
            {
                throw new AppLoadException($"Error while loading '{spec}': {e.TypeName}: {e.Message}", e.PythonTraceback);
            }
            finally
            {
                Py.DecRef(arg);
            }
        }
        finally
        {
            Py.DecRef(ns);
        }
    }
}
