using System.Diagnostics;
using System.Security.Cryptography;
using System.Text.RegularExpressions;
using Dram.Tests.Infrastructure;

namespace Dram.Tests.Responses;

/// <summary>
/// On a plain HTTP/1.1 connection a wsgi.file_wrapper body goes to the socket with sendfile(2), not
/// read into the worker and written out again; seen by tracing the worker's system calls.
/// </summary>
public sealed partial class SendfileTests
{
    [SkippableFact]
    public async Task FileBodyIsSentWithSendfileAndArrivesByteExact()
    {
        Skip.If(!File.Exists("/usr/bin/strace"), "strace is not installed (scripts/install-deps.sh --tests installs it)");
        await using var dram = await DramProcess.StartAsync("responses_files:application");
        var worker = await dram.WorkerPidAsync();
        using var file = TempFile.Random(3 * 1024 * 1024 + 123);
        using var trace = new TemporaryDirectory();
        var log = Path.Combine(trace.Path, "strace.log");

        using var strace = Process.Start(new ProcessStartInfo("/usr/bin/strace", ["-f", "-p", worker.ToString(), "-e", "trace=sendfile,pread64", "-o", log])
        {
            RedirectStandardError = true,
            UseShellExecute = false,
        })!;
        var attached = await WaitForAttachAsync(strace);
        Skip.If(!attached, "strace could not attach to the worker (ptrace not permitted here)");
        try
        {
            var response = await Wire.GetAsync(dram.Port, "/file?path=" + file.Query);
            Assert.Equal(200, response.StatusCode);
            Assert.Equal(file.Content.Length.ToString(), response.Header("Content-Length"));
            Assert.Equal(Convert.ToHexString(SHA256.HashData(file.Content)), Convert.ToHexString(SHA256.HashData(response.Body)));
            // The traced worker is slow; the last call's line is written when it returns.
            await Task.Delay(500);
        }
        finally
        {
            UnixSignal.Send(strace.Id, UnixSignal.Interrupt);
            await strace.WaitForExitAsync();
        }

        var calls = await File.ReadAllTextAsync(log);
        var sent = SendfileResult().Matches(calls).Sum(m => long.Parse(m.Groups[1].Value));
        Assert.True(sent == file.Content.Length, $"sendfile sent {sent} of {file.Content.Length} bytes:\n{calls}");
        Assert.DoesNotMatch(ReadOfFile(), calls);
    }

    private static async Task<bool> WaitForAttachAsync(Process strace)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (DateTime.UtcNow < deadline)
        {
            var line = await strace.StandardError.ReadLineAsync().WaitAsync(deadline - DateTime.UtcNow);
            if (line is null || line.Contains("Operation not permitted"))
            {
                return false;
            }
            if (line.Contains("attached"))
            {
                // Every thread is attached once the lines stop coming; the request comes after.
                await Task.Delay(300);
                return true;
            }
        }
        return false;
    }

    [GeneratedRegex(@"sendfile\([^)]*\)\s+=\s+(\d+)")]
    private static partial Regex SendfileResult();

    [GeneratedRegex(@"pread64\(\d+, .*, 65536, \d+\)")]
    private static partial Regex ReadOfFile();
}
