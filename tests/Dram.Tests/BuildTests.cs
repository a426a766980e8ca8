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
        // Beside it, the worker library each worker's Python loads.
        var exports = await ExternalCommand.RunCheckedAsync("nm", ["-D", "--defined-only", Path.Combine(directory, "dram-worker.so")]);
        Assert.Contains(" T dram_worker_main", exports, StringComparison.Ordinal);
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
        var built = Path.Combine(checkout.Path, "src", "Dram", "bin", "dram");
        Assert.True(File.Exists(Path.Combine(built, "dram.dll")));
        Assert.False(File.Exists(Path.Combine(built, "dram-worker.so")));

        // With no worker library, the worker is a dram process embedding libpython, and serves.
        var port = FreePort.Next();
        using var server = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo(Path.Combine(built, "dram"),
            ["--bind", $"127.0.0.1:{port}", "--chdir", Repo.Apps, "--python", PythonInterpreters.SystemPython, "slow_import:application"])
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
        })!;
        var log = server.StandardError.ReadToEndAsync();
        try
        {
            using var client = new HttpClient();
            string? body = null;
            for (var attempt = 0; attempt < 300 && body is null; attempt++)
            {
                try
                {
                    body = await client.GetStringAsync($"http://127.0.0.1:{port}/");
                }
                catch (HttpRequestException)
                {
                    await Task.Delay(100);
                }
            }
            Assert.NotNull(body);
            var pid = int.Parse(body!.Split(' ')[0]["pid=".Length..], System.Globalization.CultureInfo.InvariantCulture);
            Assert.Equal(Path.Combine(built, "dram"), new FileInfo($"/proc/{pid}/exe").LinkTarget);
        }
        finally
        {
            server.Kill(entireProcessTree: true);
            await server.WaitForExitAsync();
        }
        Assert.Contains($"({PythonInterpreters.SystemPython}; libpython ", await log, StringComparison.Ordinal);
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
