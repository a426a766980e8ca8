using System.Diagnostics;
using System.Text.Json;

namespace Dram.Python;

/// <summary>
/// A CPython installation as its own interpreter describes it: Dram runs that interpreter once to
/// learn its version, prefixes and shared libpython, so the embedded runtime behaves exactly as if
/// that interpreter ran the app (a virtualenv's python keeps its venv).
/// </summary>
public sealed class PythonInstallation
{
    public const int MinimumMinor = 10;
    public const int MaximumMinor = 13;

    // The probe runs in the app's directory, which `python -c` puts first on sys.path; it is taken
    // off before importing anything so an app module named json.py or sysconfig.py cannot shadow them
    // (os and sys are already loaded by then).
    private const string ProbeScript = """
import os, sys
sys.path[:] = [p for p in sys.path if p not in ("", os.getcwd())]
import json, sysconfig
v = sysconfig.get_config_vars()
print(json.dumps({
    "implementation": sys.implementation.name,
    "version": "%d.%d.%d" % sys.version_info[:3],
    "major": sys.version_info[0], "minor": sys.version_info[1],
    "executable": sys.executable,
    "prefix": sys.prefix, "base_prefix": sys.base_prefix,
    "libdir": v.get("LIBDIR") or "", "ldlibrary": v.get("LDLIBRARY") or "",
    "instsoname": v.get("INSTSONAME") or "", "multiarch": v.get("MULTIARCH") or "",
    "gil_disabled": bool(v.get("Py_GIL_DISABLED")),
}))
""";

    private PythonInstallation(string executable, string version, int minor,
        string prefix, string basePrefix, string? libraryPath, IReadOnlyList<string> librarySearched, bool freeThreaded)
    {
        Executable = executable;
        Version = version;
        Minor = minor;
        Prefix = prefix;
        BasePrefix = basePrefix;
        LibraryPath = libraryPath;
        LibrarySearched = librarySearched;
        FreeThreaded = freeThreaded;
    }

    public string Executable { get; }
    public string Version { get; }
    public int Minor { get; }
    public string Prefix { get; }
    public string BasePrefix { get; }
    public string? LibraryPath { get; }
    public IReadOnlyList<string> LibrarySearched { get; }
    public bool FreeThreaded { get; }
    public bool IsVirtualEnv => Prefix != BasePrefix;

    /// <summary>What the interpreter printed for the probe (see <see cref="FromProbeOutput"/>).</summary>
    public string ProbeOutput { get; private init; } = "";

    /// <summary>
    /// <paramref name="explicitPython"/> (the --python flag) wins, then <c>$VIRTUAL_ENV/bin/python</c>,
    /// then <c>python3</c> on PATH, as a shell in that environment would pick.
    /// </summary>
    public static PythonInstallation Discover(string? explicitPython)
    {
        string requested;
        string how;
        if (!string.IsNullOrEmpty(explicitPython))
        {
            requested = explicitPython;
            how = "--python";
        }
        else if (Environment.GetEnvironmentVariable("VIRTUAL_ENV") is { Length: > 0 } venv)
        {
            requested = Path.Combine(venv, "bin", "python");
            how = "$VIRTUAL_ENV";
        }
        else
        {
            requested = "python3";
            how = "PATH";
        }

        var resolved = Resolve(requested)
            ?? throw new PythonLoadException(how == "PATH"
                ? "No python3 found on PATH. Install Python 3.10 to 3.13 (Debian: apt install python3 libpython3.11) or pass --python /path/to/python3."
                : $"The Python interpreter {requested} (from {how}) does not exist or is not executable. Pass --python with the path of a CPython 3.10 to 3.13 interpreter.");
        return Probe(resolved);
    }

    private static string? Resolve(string program)
    {
        if (program.Contains('/'))
        {
            return File.Exists(program) ? Path.GetFullPath(program) : null;
        }
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = Path.Combine(dir, program);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }
        return null;
    }

    private static PythonInstallation Probe(string path)
    {
        var start = new ProcessStartInfo(path)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add(ProbeScript);
        string stdout, stderr;
        int exitCode;
        try
        {
            using var process = Process.Start(start) ?? throw new PythonLoadException($"Could not start {path}.");
            var errTask = process.StandardError.ReadToEndAsync();
            stdout = process.StandardOutput.ReadToEnd();
            if (!process.WaitForExit(30_000))
            {
                process.Kill();
                throw new PythonLoadException($"{path} did not answer within 30 s when asked for its version and paths.");
            }
            stderr = errTask.Result;
            exitCode = process.ExitCode;
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new PythonLoadException($"Could not run {path}: {e.Message}. Pass --python with a working CPython 3.10 to 3.13 interpreter.");
        }
        if (exitCode != 0)
        {
            throw new PythonLoadException($"{path} failed (exit {exitCode}) when asked for its version and paths:\n{stderr.Trim()}\nDram needs CPython 3.10 to 3.13.");
        }
        return FromProbeOutput(path, stdout);
    }

    /// <summary>
    /// The installation described by <paramref name="stdout"/>, what the interpreter at
    /// <paramref name="path"/> printed for the probe (<see cref="ProbeOutput"/> hands it on, so a
    /// worker the master already probed for need not run the interpreter again).
    /// </summary>
    public static PythonInstallation FromProbeOutput(string path, string stdout)
    {
        JsonElement root;
        try
        {
            root = JsonDocument.Parse(stdout).RootElement;
        }
        catch (JsonException)
        {
            throw new PythonLoadException($"{path} is not a CPython 3 interpreter Dram understands (it printed: {stdout.Trim()}).");
        }

        var version = root.GetProperty("version").GetString()!;
        var major = root.GetProperty("major").GetInt32();
        var minor = root.GetProperty("minor").GetInt32();
        var implementation = root.GetProperty("implementation").GetString();
        if (implementation != "cpython")
        {
            throw new PythonLoadException($"{path} is {implementation} {version}; Dram embeds CPython 3.10 to 3.13 only.");
        }
        if (major != 3 || minor < MinimumMinor || minor > MaximumMinor)
        {
            throw new PythonLoadException($"{path} is Python {version}; Dram supports CPython 3.{MinimumMinor} to 3.{MaximumMinor}. Pass --python with a supported interpreter.");
        }

        var libdir = root.GetProperty("libdir").GetString()!;
        var multiarch = root.GetProperty("multiarch").GetString()!;
        var basePrefix = root.GetProperty("base_prefix").GetString()!;
        var names = new List<string>();
        foreach (var key in new[] { "instsoname", "ldlibrary" })
        {
            var name = root.GetProperty(key).GetString()!;
            if (name.EndsWith(".a", StringComparison.Ordinal))
            {
                name = name[..^2] + ".so";
            }
            if (name.Length > 0 && !names.Contains(name))
            {
                names.Add(name);
            }
        }
        var suffix = root.GetProperty("gil_disabled").GetBoolean() ? "t" : "";
        foreach (var name in new[] { $"libpython3.{minor}{suffix}.so.1.0", $"libpython3.{minor}{suffix}.so" })
        {
            if (!names.Contains(name))
            {
                names.Add(name);
            }
        }

        var dirs = new List<string>();
        void AddDir(string dir)
        {
            if (dir.Length > 0 && !dirs.Contains(dir))
            {
                dirs.Add(dir);
            }
        }
        AddDir(libdir);
        if (multiarch.Length > 0)
        {
            AddDir(Path.Combine(libdir, multiarch));
            AddDir(Path.Combine(basePrefix, "lib", multiarch));
            AddDir(Path.Combine("/usr/lib", multiarch));
        }
        AddDir(Path.Combine(basePrefix, "lib"));

        var searched = new List<string>();
        string? library = null;
        foreach (var dir in dirs)
        {
            foreach (var name in names)
            {
                var candidate = Path.Combine(dir, name);
                searched.Add(candidate);
                if (library is null && File.Exists(candidate))
                {
                    library = candidate;
                }
            }
        }

        return new PythonInstallation(root.GetProperty("executable").GetString()!, version, minor,
            root.GetProperty("prefix").GetString()!, basePrefix, library, searched,
            root.GetProperty("gil_disabled").GetBoolean())
        {
            ProbeOutput = stdout,
        };
    }

    /// <summary>The reason this installation cannot be embedded, with the fix, or null when it can.</summary>
    public string? MissingLibraryMessage()
    {
        if (LibraryPath is not null)
        {
            return null;
        }
        var first = LibrarySearched.Count > 0 ? LibrarySearched[0] : $"libpython3.{Minor}.so";
        var fix = BasePrefix.StartsWith("/usr", StringComparison.Ordinal) && !BasePrefix.StartsWith("/usr/local", StringComparison.Ordinal)
            ? $"install it with: apt install libpython3.{Minor}"
            : $"rebuild this Python with a shared library (pyenv: env PYTHON_CONFIGURE_OPTS=--enable-shared pyenv install {Version}; from source: ./configure --enable-shared)";
        return $"Python {Version} at {Executable} has no shared libpython, which Dram needs to embed it.\n"
            + $"Looked for {first} (and {LibrarySearched.Count - 1} other places).\n"
            + $"To fix: {fix}, or pass --python with an interpreter that has one.";
    }
}
