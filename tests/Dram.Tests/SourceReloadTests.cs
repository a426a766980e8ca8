using Dram.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Dram.Tests;

/// <summary>
/// --reload: a change to a source file the app imported (or to a --reload-extra-file) restarts the
/// workers the way HUP does, once per save; code that no longer imports leaves the old workers
/// serving until the file is fixed.
/// </summary>
[Collection(LifecycleCollection.Name)]
public sealed class SourceReloadTests(ITestOutputHelper output) : IDisposable
{
    private static readonly TimeSpan Boot = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan Reloaded = TimeSpan.FromSeconds(60);

    private readonly TemporaryDirectory _app = CopyApp();

    private string Helper => Path.Combine(_app.Path, "pkg", "helper.py");

    [Fact]
    public async Task AnEditorsSaveOfAnImportedModuleReloadsOnceAndNewWorkersServeTheNewCode()
    {
        await using var dram = await StartAsync(["-w", "2"]);
        try
        {
            Assert.Contains("Reloading on source changes (inotify): the app's imported files under " + _app.Path, dram.Output);
            var old = await WorkerProbe.WaitForWorkersAsync(dram, 2, Boot);
            Assert.True(await dram.WaitForOutputAsync($"Watching {Helper} for --reload", Boot), dram.Output);
            Assert.Equal("1-a", (await WorkerProbe.AskAsync(dram.Port)).Version);

            // As editors save: a temporary file renamed over the original, then more writes to it.
            var temporary = Helper + ".swp";
            File.WriteAllText(temporary, "VERSION = \"2\"\n");
            File.Move(temporary, Helper, overwrite: true);
            File.AppendAllText(Helper, "# saved\n");
            File.SetLastWriteTimeUtc(Helper, DateTime.UtcNow);

            var (pid, _) = await WaitForVersionAsync(dram, "2-a");
            Assert.DoesNotContain(pid, old);
            Assert.True(await dram.WaitForOutputAsync($"Changed: {Helper}", TimeSpan.FromSeconds(5)), dram.Output);
            foreach (var gone in old)
            {
                Assert.True(await dram.WaitForOutputAsync($"(pid {gone}) stopped", Reloaded), dram.Output);
            }
            // Well after the save settled: still exactly one reload for it.
            await Task.Delay(TimeSpan.FromSeconds(3));
            Assert.Equal(1, dram.CountInOutput("Changed: "));
            Assert.Equal(1, dram.CountInOutput("Reloading: starting 2 worker(s) with freshly imported app code"));
            Assert.Equal(2, ProcessTable.ChildrenOf(dram.Pid).Count);
        }
        finally
        {
            output.WriteLine(dram.Output);
        }
    }

    [Fact]
    public async Task ASyntaxErrorKeepsTheOldWorkerServingAndFixingTheFileReloads()
    {
        await using var dram = await StartAsync([]);
        try
        {
            var old = (await WorkerProbe.WaitForWorkersAsync(dram, 1, Boot)).Single();
            Assert.True(await dram.WaitForOutputAsync($"Watching {Helper} for --reload", Boot), dram.Output);

            File.WriteAllText(Helper, "VERSION = \"2\"\n\ndef broken(:\n    pass\n");

            Assert.True(await dram.WaitForOutputAsync("Reload failed: the new worker could not start (the app could not be loaded", Reloaded), dram.Output);
            Assert.Contains("SyntaxError", dram.Output);
            Assert.Contains($"File \"{Helper}\", line 3", dram.Output);
            Assert.Contains("Waiting for the next change to the app's files to reload again", dram.Output);
            for (var i = 0; i < 5; i++)
            {
                Assert.Equal((200, old, "1-a"), await WorkerProbe.AskAsync(dram.Port));
            }
            Assert.Equal([old], ProcessTable.ChildrenOf(dram.Pid));

            File.WriteAllText(Helper, "VERSION = \"3\"\n");

            var (pid, _) = await WaitForVersionAsync(dram, "3-a");
            Assert.NotEqual(old, pid);
            Assert.True(await dram.WaitForOutputAsync($"Worker 1 (pid {old}) stopped", Reloaded), dram.Output);
            Assert.False(dram.HasExited);
        }
        finally
        {
            output.WriteLine(dram.Output);
        }
    }

    [Fact]
    public async Task AnExtraFileAndAModuleImportedByARequestAreWatchedToo()
    {
        var settings = Path.Combine(_app.Path, "settings.txt");
        var lazy = Path.Combine(_app.Path, "lazy.py");
        await using var dram = await StartAsync(["--reload-extra-file", settings]);
        try
        {
            Assert.Contains($"under {_app.Path} and {settings}", dram.Output);
            await WorkerProbe.WaitForWorkersAsync(dram, 1, Boot);
            Assert.True(await dram.WaitForOutputAsync($"Watching {Helper} for --reload", Boot), dram.Output);

            File.WriteAllText(settings, "b\n");
            await WaitForVersionAsync(dram, "1-b");

            // lazy.py is imported by the first /lazy request, after start-up; the worker reports it
            // within a few seconds.
            Assert.Equal("lazy1", (await WorkerProbe.AskAsync(dram.Port, "/lazy")).Version);
            Assert.True(await dram.WaitForOutputAsync($"Watching {lazy} for --reload", Boot), dram.Output);
            File.WriteAllText(lazy, "VERSION = \"lazy2\"\n");
            await WaitForVersionAsync(dram, "lazy2", "/lazy");
            Assert.Equal(2, dram.CountInOutput("Reloading: starting 1 worker(s)"));
        }
        finally
        {
            output.WriteLine(dram.Output);
        }
    }

    [Fact]
    public async Task ThePollEngineNoticesChangesAndFilesOutsideTheAppAreNotWatched()
    {
        using var outside = new TemporaryDirectory("dram-outside-");
        var outsideModule = outside.Write("outside.py", "VALUE = 1\n");
        await using var dram = await StartAsync(["--reload-engine", "poll", "-e", $"OUTSIDE_DIR={outside.Path}"]);
        try
        {
            Assert.Contains("Reloading on source changes (poll)", dram.Output);
            await WorkerProbe.WaitForWorkersAsync(dram, 1, Boot);
            Assert.True(await dram.WaitForOutputAsync($"Watching {Helper} for --reload", Boot), dram.Output);
            // Imported by the app, but from a directory that is neither --chdir nor --pythonpath.
            Assert.DoesNotContain($"Watching {outsideModule}", dram.Output);
            // Nor is anything of the interpreter's own libraries watched.
            Assert.DoesNotContain("/lib/python3", dram.Output.Split('\n').Where(l => l.Contains("for --reload", StringComparison.Ordinal)).Aggregate("", string.Concat));

            File.WriteAllText(outsideModule, "VALUE = 2\n");
            await Task.Delay(TimeSpan.FromSeconds(3));
            Assert.DoesNotContain("Changed:", dram.Output);

            File.WriteAllText(Helper, "VERSION = \"2\"\n");
            await WaitForVersionAsync(dram, "2-a");
            Assert.Equal(1, dram.CountInOutput("Changed: "));
        }
        finally
        {
            output.WriteLine(dram.Output);
        }
    }

    private Task<DramProcess> StartAsync(IEnumerable<string> args) =>
        DramProcess.StartAsync("app:application", ["--reload", "--log-level", "debug", .. args], chdir: _app.Path);

    /// <summary>Asks over fresh connections until <paramref name="version"/> answers; its pid.</summary>
    private static async Task<(int Pid, string Version)> WaitForVersionAsync(DramProcess dram, string version, string path = "/")
    {
        var deadline = DateTime.UtcNow + Reloaded;
        var last = "";
        while (DateTime.UtcNow < deadline)
        {
            var (status, pid, answered) = await WorkerProbe.AskAsync(dram.Port, path, TimeSpan.FromSeconds(30));
            Assert.Equal(200, status);
            if (answered == version)
            {
                return (pid, answered);
            }
            last = answered;
            await Task.Delay(100);
        }
        throw new TimeoutException($"version {version} was never served (last: {last}):\n{dram.Output}");
    }

    private static TemporaryDirectory CopyApp()
    {
        var directory = new TemporaryDirectory("dram-reload-");
        var source = Path.Combine(Repo.Apps, "reloading");
        foreach (var file in Directory.EnumerateFiles(source, "*", SearchOption.AllDirectories))
        {
            var relative = Path.GetRelativePath(source, file);
            if (!relative.Contains("__pycache__", StringComparison.Ordinal))
            {
                directory.Write(relative, File.ReadAllText(file));
            }
        }
        return directory;
    }

    public void Dispose() => _app.Dispose();
}
