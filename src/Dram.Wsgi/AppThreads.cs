using Dram.Python;

namespace Dram.Wsgi;

/// <summary>The threads the app started itself, as Python's <c>threading</c> module sees them.</summary>
public static class AppThreads
{
    /// <summary>
    /// Names of the app's live non-daemon threads, comma-separated ("" when none): the ones a
    /// Python process would wait for before exiting. The GIL must be held.
    /// </summary>
    public static string LeftRunning()
    {
        var ns = Py.RunModuleSource(EmbeddedPython.Read("app_threads.py"), "dram._app_threads");
        try
        {
            var names = Py.Call(Py.BorrowItem(ns, "left_running"));
            try
            {
                return Py.ToStringOrNull(names) ?? "";
            }
            finally
            {
                Py.DecRef(names);
            }
        }
        finally
        {
            Py.DecRef(ns);
        }
    }
}
