using System.Diagnostics;
using Dram.Tests.Infrastructure;

namespace Dram.Tests;

/// <summary>
/// Dram as a container's PID 1: started in a new PID namespace (unshare), it serves, replaces a
/// killed worker, and stops gracefully with exit code 0 on SIGTERM — the signal a container
/// runtime sends, which PID 1 only receives when it handles it.
/// </summary>
[Collection(LifecycleCollection.Name)]
public sealed class ContainerTests
{
    [Fact]
    public async Task AsPid1ItServesReplacesWorkersAndStopsCleanlyOnTerm()
    {
        if (Environment.UserName != "root" || !File.Exists("/usr/bin/unshare"))
        {
            // A PID namespace needs root (or user namespaces); the rest of the suite covers the behaviour.
            return;
        }
        var port = FreePort.Next();
        var start = new ProcessStartInfo("/usr/bin/unshare")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[] { "--pid", "--fork", "--mount-proc", DramBinary.Path, "--bind", $"127.0.0.1:{port}", "--chdir", Repo.Apps, "-w", "2", "lifecycle:application" })
        {
            start.ArgumentList.Add(arg);
        }
        using var unshare = Process.Start(start)!;
        var output = new System.Text.StringBuilder();
        unshare.OutputDataReceived += (_, e) => { lock (output) { output.AppendLine(e.Data); } };
        unshare.ErrorDataReceived += (_, e) => { lock (output) { output.AppendLine(e.Data); } };
        unshare.BeginOutputReadLine();
        unshare.BeginErrorReadLine();
        string Log() { lock (output) { return output.ToString(); } }
        try
        {
            var deadline = DateTime.UtcNow.AddSeconds(60);
            while (!Log().Contains("Listening at:", StringComparison.Ordinal) && DateTime.UtcNow < deadline)
            {
                await Task.Delay(100);
            }
            Assert.True(Log().Contains("[1] [INFO] Listening at:", StringComparison.Ordinal), Log());
            var first = await WorkerProbe.AskAsync(port);
            Assert.True(first.Status == 200, Log());

            // The master is PID 1 inside; outside it is unshare's only child.
            var master = ProcessTable.ChildrenOf(unshare.Id).Single();
            var workers = await ProcessTable.WaitForChildCountAsync(master, 2, TimeSpan.FromSeconds(30));
            Assert.True(workers.Count == 2, Log());
            UnixSignal.Send(workers[0], UnixSignal.Kill);
            var replaced = await ProcessTable.WaitForChildCountAsync(master, 2, TimeSpan.FromSeconds(30), gone: workers[0]);
            Assert.DoesNotContain(workers[0], replaced);
            Assert.Equal(200, (await WorkerProbe.AskAsync(port)).Status);

            UnixSignal.Send(master, UnixSignal.Term);
            using var exit = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            await unshare.WaitForExitAsync(exit.Token);
            Assert.Equal(0, unshare.ExitCode);
            Assert.Contains("[1] [INFO] Stopped", Log());
        }
        finally
        {
            if (!unshare.HasExited)
            {
                unshare.Kill(entireProcessTree: true);
            }
        }
    }
}
