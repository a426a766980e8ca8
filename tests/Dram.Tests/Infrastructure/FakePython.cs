using System.Text.Json;

namespace Dram.Tests.Infrastructure;

/// <summary>
/// Executable scripts standing in for a python interpreter when dram asks it for its version and
/// paths, to reach the interpreter checks no real installation here would fail.
/// </summary>
public static class FakePython
{
    /// <summary>
    /// A script that answers dram's probe like a CPython <paramref name="version"/> installed under
    /// <paramref name="prefix"/> whose shared libpython is nowhere to be found.
    /// </summary>
    public static string WithoutSharedLibrary(TemporaryDirectory directory, string version, string prefix,
        string implementation = "cpython", string multiarch = "")
    {
        var parts = version.Split('.');
        var minor = int.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture);
        var answer = JsonSerializer.Serialize(new Dictionary<string, object>
        {
            ["implementation"] = implementation,
            ["version"] = version,
            ["major"] = 3,
            ["minor"] = minor,
            ["executable"] = $"{prefix}/bin/python3",
            ["prefix"] = prefix,
            ["base_prefix"] = prefix,
            ["libdir"] = $"{prefix}/lib",
            ["ldlibrary"] = $"libpython3.{minor}.a",
            ["instsoname"] = $"libpython3.{minor}.so.1.0",
            ["multiarch"] = multiarch,
            ["gil_disabled"] = false,
        });
        return Script(directory, "python3", $"cat <<'JSON'\n{answer}\nJSON\n");
    }

    /// <summary>An executable that prints <paramref name="stdout"/> and exits with <paramref name="exitCode"/>, whatever it is asked.</summary>
    public static string Printing(TemporaryDirectory directory, string stdout, int exitCode = 0) =>
        Script(directory, "python3", $"cat <<'OUT'\n{stdout}\nOUT\nexit {exitCode}\n");

    private static string Script(TemporaryDirectory directory, string name, string body) =>
        directory.Write(Path.Combine("bin", name), "#!/bin/sh\n" + body, executable: true);
}
