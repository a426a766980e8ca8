using Dram.Tests.Infrastructure;

namespace Dram.Tests;

/// <summary>
/// What ./dram builds: the native (ahead-of-time compiled) binary every other test runs, and, on a
/// machine without a C compiler, a JIT build it announces instead of failing.
/// </summary>
public sealed class BuildTests
{
    [Fact]
    public async Task TheScriptBuildsOneNativeExecutableThatNeedsNoDotnetRuntime()
    {
        var directory = Path.GetDirectoryName(DramBinary.Path)!;
        // A JIT build is an apphost beside dram.dll and a runtimeconfig naming the shared framework.
        Assert.False(File.Exists(Path.Combine(directory, "dram.dll")), $"{directory} holds dram.dll: ./dram built for the JIT");
        Assert.False(File.Exists(Path.Combine(directory, "dram.runtimeconfig.json")));
        var libraries = await ExternalCommand.RunCheckedAsync("ldd", [DramBinary.Path]);
        Assert.DoesNotContain("libcoreclr", libraries, StringComparison.Ordinal);
        Assert.DoesNotContain("libhostfxr", libraries, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WithoutACCompilerTheScriptBuildsForTheJitAndSaysSo()
    {
        using var checkout = new TemporaryDirectory("dram-build-");
        CopySources(Repo.Root, checkout.Path);
        // Every tool the script and the SDK call, and no gcc or clang.
        var tools = Directory.CreateDirectory(Path.Combine(checkout.Path, "tools")).FullName;
        foreach (var tool in new[] { "bash", "dotnet", "uname", "find", "mktemp", "rm", "cat", "touch", "dirname", "readlink", "grep", "ldd" })
        {
            var target = await ExternalCommand.RunCheckedAsync("bash", ["-c", $"command -v {tool}"]);
            File.CreateSymbolicLink(Path.Combine(tools, tool), target.Trim());
        }

        var (exitCode, output) = await ExternalCommand.RunAsync(Path.Combine(checkout.Path, "dram"), ["--version"],
            new Dictionary<string, string> { ["PATH"] = tools }, timeout: TimeSpan.FromMinutes(5));

        Assert.True(exitCode == 0, output);
        Assert.Contains("dram: no C compiler (gcc or clang) to link the native binary; building for the JIT", output, StringComparison.Ordinal);
        Assert.Contains("'apt install gcc' gives the native build", output, StringComparison.Ordinal);
        Assert.Matches(@"(?m)^dram \d+\.\d+\.\d+$", output);
        Assert.True(File.Exists(Path.Combine(checkout.Path, "src", "Dram", "bin", "dram", "dram.dll")));
    }

    /// <summary>The script, the shared build properties and src/ without build output.</summary>
    private static void CopySources(string from, string to)
    {
        foreach (var file in new[] { "dram", "Directory.Build.props" })
        {
            File.Copy(Path.Combine(from, file), Path.Combine(to, file));
        }
        var source = Path.Combine(from, "src");
        foreach (var file in Directory.EnumerateFiles(source, "*", SearchOption.AllDirectories))
        {
            var relative = Path.GetRelativePath(source, file);
            var parts = relative.Split(Path.DirectorySeparatorChar);
            if (parts.Contains("bin") || parts.Contains("obj"))
            {
                continue;
            }
            var destination = Path.Combine(to, "src", relative);
            Directory.CreateDirectory(Path.GetDirectoryName(destination)!);
            File.Copy(file, destination);
        }
    }
}
