using Dram.Python;
using Dram.Python.Native;

namespace Dram.Configuration;

/// <summary>
/// A Gunicorn-style config file, executed by the embedded interpreter: a Python file (PATH or
/// file:PATH) or an importable module (python:MODULE) whose module-level names are settings and
/// server hooks. The master executes it to learn the settings (and keeps it for its hooks); a
/// worker executes it again only for its hook callables.
/// </summary>
public sealed unsafe class ConfigFile
{
    /// <summary>Read from the current directory when no config is named: Dram's own name first.</summary>
    public const string DramDefault = "dram.conf.py";

    public const string GunicornDefault = "gunicorn.conf.py";

    private static nint _helper;

    private ConfigFile(string location, nint ns)
    {
        Location = location;
        Namespace = ns;
    }

    /// <summary>An absolute path, or python:MODULE.</summary>
    public string Location { get; }

    /// <summary>The module's namespace (a dict, held for the life of the process).</summary>
    public nint Namespace { get; }

    /// <summary>
    /// The location to read: <paramref name="given"/> (from -c) made absolute, else ./dram.conf.py or
    /// ./gunicorn.conf.py in <paramref name="directory"/> when present, else null. A named file that
    /// does not exist is an error; <paramref name="warnings"/> gets a line when both defaults exist.
    /// </summary>
    public static string? Locate(string? given, string givenBy, string directory, ICollection<string> warnings)
    {
        var by = givenBy == "command line" ? "" : $" (from {givenBy})";
        if (given is not null)
        {
            if (given.StartsWith("python:", StringComparison.Ordinal))
            {
                if (given.Length == "python:".Length)
                {
                    throw new UsageException($"-c {given}{by}: name the module to import, e.g. -c python:mysite.gunicorn_conf");
                }
                return given;
            }
            var path = Path.GetFullPath(given.StartsWith("file:", StringComparison.Ordinal) ? given["file:".Length..] : given, directory);
            if (Directory.Exists(path))
            {
                throw new UsageException($"-c {given}{by}: {path} is a directory; name the config file in it, e.g. -c {Path.Combine(given, GunicornDefault)}");
            }
            if (!File.Exists(path))
            {
                throw new UsageException($"-c {given}{by}: the config file {path} does not exist");
            }
            return path;
        }
        var dram = Path.Combine(directory, DramDefault);
        var gunicorn = Path.Combine(directory, GunicornDefault);
        if (File.Exists(dram))
        {
            if (File.Exists(gunicorn))
            {
                warnings.Add($"{dram} and {gunicorn} both exist; reading only {DramDefault} (name the one to read with -c)");
            }
            return dram;
        }
        return File.Exists(gunicorn) ? gunicorn : null;
    }

    /// <summary>
    /// Executes the config; the GIL must be held. A failure (a syntax error, an exception, a module
    /// that does not import) is a usage error naming the file, followed by the Python traceback.
    /// </summary>
    public static ConfigFile Execute(string location)
    {
        var load = Py.BorrowItem(Helper, "load");
        var arg = Py.NewString(location);
        nint result;
        try
        {
            result = Py.Call(load, arg);
        }
        finally
        {
            Py.DecRef(arg);
        }
        try
        {
            var ns = CApi.PyTuple_GetItem(result, 0);
            if (ns != Py.None)
            {
                return new ConfigFile(location, Py.NewRef(ns));
            }
            var error = CApi.PyTuple_GetItem(result, 1);
            var summary = Py.Describe(CApi.PyTuple_GetItem(error, 0));
            var traceback = Py.Describe(CApi.PyTuple_GetItem(error, 1));
            var what = location.StartsWith("python:", StringComparison.Ordinal) ? $"config module {location}" : $"config file {location}";
            throw new UsageException($"{what}: {summary}{(traceback.Length > 0 ? "\n" + traceback : "")}");
        }
        finally
        {
            Py.DecRef(result);
        }
    }

    /// <summary>The helper module's namespace (config_file.py), loaded on first use; the GIL must be held.</summary>
    internal static nint Helper
    {
        get
        {
            if (_helper == 0)
            {
                using var stream = typeof(ConfigFile).Assembly.GetManifestResourceStream("config_file.py")
                    ?? throw new InvalidOperationException("embedded resource config_file.py is missing from the build");
                using var reader = new StreamReader(stream);
                _helper = Py.RunModuleSource(reader.ReadToEnd(), "dram._config_file");
            }
            return _helper;
        }
    }
}
