using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.RegularExpressions;
using Dram.Tests.Infrastructure;
using Microsoft.Win32.SafeHandles;

namespace Dram.Tests.Logging;

/// <summary>
/// An access log nobody can write to in time — here a FIFO whose reader does not read — never
/// holds up requests: once the writer's queue is full, lines are dropped, counted and reported
/// in the error log, and every request is either written or counted.
/// </summary>
[Collection(LifecycleCollection.Name)]
public sealed partial class AccessLogBackpressureTests
{
    private const int ReadOnly = 0;
    private const int NonBlocking = 0x800;
    private const int SetFlags = 4;

    [Fact]
    public async Task LinesThatCannotBeWrittenInTimeAreDroppedCountedAndReported()
    {
        using var directory = new TemporaryDirectory();
        var fifo = Path.Combine(directory.Path, "access.fifo");
        Assert.Equal(0, MakeFifo(fifo, 0x180));
        // Opened without waiting for a writer, so dram can open its end; nothing is read yet.
        var descriptor = Open(fifo, ReadOnly | NonBlocking);
        Assert.True(descriptor >= 0, $"open {fifo}: errno {Marshal.GetLastPInvokeError()}");
        using var reader = new SafeFileHandle(descriptor, ownsHandle: true);
        var padding = new string('x', 400);
        await using var dram = await DramProcess.StartAsync("lifecycle:application",
            ["--access-logfile", fifo, "--access-logformat", $"%(r)s {padding}", "--threads", "2"]);

        await using var load = LoadClient.Start($"{dram.BaseUrl}/", concurrency: 8);
        var reported = await dram.WaitForOutputAsync("line(s) dropped", TimeSpan.FromSeconds(180));
        var summary = await load.StopAsync();
        Assert.True(reported, $"no drop was reported after {load.Completed} requests:\n{dram.Output}");
        Assert.Empty(summary.Failures);

        // Read everything now: the blocked writer goes on, and the file ends when dram exits.
        Assert.Equal(0, Fcntl(descriptor, SetFlags, 0));
        var drained = Task.Run(() =>
        {
            using var stream = new FileStream(reader, FileAccess.Read, 1);
            using var text = new StreamReader(stream, Encoding.UTF8);
            return text.ReadToEnd();
        });
        await Task.Delay(2000);
        Assert.Equal(0, await dram.StopAsync(TimeSpan.FromSeconds(60)));
        var written = (await drained).Split('\n', StringSplitOptions.RemoveEmptyEntries);

        var dropped = DroppedCount().Matches(dram.Output).Sum(m => long.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture));
        Assert.True(dropped > 0, dram.Output);
        Assert.All(written, line => Assert.Equal($"GET / HTTP/1.1 {padding}", line));
        Assert.Equal(summary.Total, written.Length + dropped);
        Assert.Contains("because 4096 lines were already waiting to be written", dram.Output);
    }

    [GeneratedRegex(@"\[WARNING\] Access log \S+: (\d+) line\(s\) dropped")]
    private static partial Regex DroppedCount();

    [LibraryImport("libc", EntryPoint = "mkfifo", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int MakeFifo(string path, int mode);

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "fcntl", SetLastError = true)]
    private static partial int Fcntl(int descriptor, int command, int argument);
}
