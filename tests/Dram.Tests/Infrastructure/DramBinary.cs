using System.Diagnostics;

namespace Dram.Tests.Infrastructure;

/// <summary>The real dram executable, built once per test run through the repository's ./dram script.</summary>
public static class DramBinary
{
    private static readonly Lazy<string> Built = new(Build, LazyThreadSafetyMode.ExecutionAndPublication);

    public static string Path => Built.Value;

    private static string Build()
    {
        var script = System.IO.Path.Combine(Repo.Root, "dram");
        var start = new ProcessStartInfo(script, "--version") { RedirectStandardOutput = true, RedirectStandardError = true };
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(600_000) || process.ExitCode != 0)
        {
            throw new InvalidOperationException($"./dram --version failed: {stdout.Result}{stderr.Result}");
        }
        return System.IO.Path.Combine(Repo.Root, "src", "Dram", "bin", "dram", "dram");
    }
}
