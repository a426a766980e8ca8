using System.Collections.Concurrent;
using System.Diagnostics;

namespace Dram.Tests.Infrastructure;

/// <summary>
/// The CPython interpreters of this machine that tests may embed: pyenv versions by minor
/// ("3.10" ... "3.13", highest patch installed) and the distribution's <c>/usr/bin/python3</c>
/// ("system"). A label resolves to null when the interpreter is absent or cannot be embedded, so
/// tests that need it are skipped rather than failed.
/// </summary>
public static class PythonInterpreters
{
    public const string SystemLabel = "system";
    public const string SystemPython = "/usr/bin/python3";

    private static readonly ConcurrentDictionary<string, string?> Found = new();
    private static readonly ConcurrentDictionary<string, (int ExitCode, string Output)> Runs = new();

    public static string PyenvRoot =>
        Environment.GetEnvironmentVariable("PYENV_ROOT") is { Length: > 0 } root
            ? root
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".pyenv");

    /// <summary>The interpreter for a label, or null when it is not installed with a shared libpython.</summary>
    public static string? Find(string label) => Found.GetOrAdd(label, Locate);

    /// <summary>Why a label cannot be used, or null when it can.</summary>
    public static string? AbsenceReason(string label, params string[] modules)
    {
        var python = Find(label);
        if (python is null)
        {
            return label == SystemLabel
                ? $"{SystemPython} with a shared libpython is not installed"
                : $"pyenv Python {label} with a shared libpython is not installed under {PyenvRoot}/versions";
        }
        var missing = modules.Where(m => !CanImport(python, m)).ToList();
        return missing.Count == 0 ? null : $"{python} cannot import {string.Join(", ", missing)}";
    }

    /// <summary>The interpreter's path; fails the test if it is absent (use after a Skip check).</summary>
    public static string Require(string label) =>
        Find(label) ?? throw new InvalidOperationException($"Python '{label}' is not available: {AbsenceReason(label)}");

    public static bool CanImport(string python, string module) => Query(python, $"import {module}").ExitCode == 0;

    /// <summary>Runs <c>python -c code</c> once per interpreter and code (the answer is remembered); returns exit code and trimmed stdout.</summary>
    public static (int ExitCode, string Output) Query(string python, string code) =>
        Runs.GetOrAdd(python + "\0" + code, _ => Run(python, ["-c", code]));

    /// <summary>Runs the interpreter with these arguments; returns its exit code and trimmed stdout (stderr is appended on failure).</summary>
    public static (int ExitCode, string Output) Run(string python, IReadOnlyList<string> args, string? workingDirectory = null)
    {
        var start = new ProcessStartInfo(python)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? Path.GetTempPath(),
        };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }
        try
        {
            using var process = Process.Start(start)!;
            var stderr = process.StandardError.ReadToEndAsync();
            var stdout = process.StandardOutput.ReadToEnd();
            process.WaitForExit();
            return process.ExitCode == 0 ? (0, stdout.Trim()) : (process.ExitCode, (stdout + stderr.Result).Trim());
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            return (-1, e.Message);
        }
    }

    private static string? Locate(string label)
    {
        string? candidate;
        if (label == SystemLabel)
        {
            candidate = File.Exists(SystemPython) ? SystemPython : null;
        }
        else
        {
            var versions = Path.Combine(PyenvRoot, "versions");
            candidate = Directory.Exists(versions)
                ? Directory.GetDirectories(versions, label + ".*")
                    .Select(d => (Dir: d, Patch: int.TryParse(Path.GetFileName(d)[(label.Length + 1)..], out var p) ? p : -1))
                    .Where(v => v.Patch >= 0)
                    .OrderByDescending(v => v.Patch)
                    .Select(v => Path.Combine(v.Dir, "bin", "python" + label))
                    .FirstOrDefault(File.Exists)
                : null;
        }
        if (candidate is null)
        {
            return null;
        }
        var shared = Query(candidate, "import sysconfig; print(sysconfig.get_config_var('Py_ENABLE_SHARED'))");
        return shared.ExitCode == 0 && shared.Output == "1" ? candidate : null;
    }
}
