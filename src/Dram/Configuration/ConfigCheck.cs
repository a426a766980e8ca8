using Dram.Python;
using Dram.Wsgi;

namespace Dram.Configuration;

/// <summary>
/// --check-config: with the settings already checked, imports the app as a worker would (same
/// interpreter, directory, sys.path and environment) and exits, binding nothing.
/// </summary>
public static class ConfigCheck
{
    /// <summary>
    /// Imports the app in this process; <paramref name="pythonStarted"/> when the interpreter already
    /// runs (it read the config file). Returns the exit code: 0, or the code a worker would have failed with.
    /// </summary>
    public static int Run(ServerConfig config, IReadOnlyList<string> args, bool pythonStarted)
    {
        try
        {
            Directory.SetCurrentDirectory(config.Chdir);
            foreach (var (key, value) in config.Environment)
            {
                NativeEnvironment.Set(key, value);
            }
            if (pythonStarted)
            {
                // os.environ was copied when the interpreter started to read the config file.
                SetOsEnviron(config.Environment);
            }
            else
            {
                PythonRuntime.Initialize(PythonInstallation.Discover(config.Python), ["dram", .. args]);
            }
            PythonRuntime.PrependSysPath([config.Chdir, .. config.PythonPath]);
            Py.DecRef(AppLoader.Load(config.AppModule));
        }
        catch (PythonLoadException e)
        {
            Console.Error.WriteLine($"dram: error: cannot start Python: {e.Message}");
            return Program.ExitPythonLoad;
        }
        catch (AppLoadException e)
        {
            var detail = e.PythonTraceback is null ? "" : "\n" + e.PythonTraceback;
            Console.Error.WriteLine($"dram: error: cannot load the application '{config.AppModule}' (Python {PythonRuntime.Installation?.Version}, chdir {config.Chdir}): {e.Message}{detail}");
            return Program.ExitAppLoad;
        }
        Console.WriteLine($"dram: configuration OK: {config.AppModule} imports from {config.Chdir} with Python {PythonRuntime.Installation?.Version}");
        return 0;
    }

    private static void SetOsEnviron(IReadOnlyList<KeyValuePair<string, string>> environment)
    {
        if (environment.Count == 0)
        {
            return;
        }
        var os = Py.Import("os");
        var environ = Py.GetAttr(os, "environ");
        var set = Py.GetAttr(environ, "__setitem__");
        foreach (var (key, value) in environment)
        {
            var k = Py.NewString(key);
            var v = Py.NewString(value);
            Py.DecRef(Py.Call(set, k, v));
            Py.DecRef(v);
            Py.DecRef(k);
        }
        Py.DecRef(set);
        Py.DecRef(environ);
        Py.DecRef(os);
    }
}
