using System.Diagnostics;
using System.Text;
using Dram.Tests.Infrastructure;

namespace Dram.Tests.Request;

/// <summary>wsgi.errors: text the app writes with write() and writelines() appears in dram's error log as written.</summary>
public sealed class WsgiErrorsTests
{
    [Fact]
    public async Task WriteAndWritelinesAppearInTheErrorLog()
    {
        var marker = Guid.NewGuid().ToString("N");
        await using var dram = await DramProcess.StartAsync("errors_writer:application");
        var response = await RawHttpConnection.ExchangeAsync(dram.Port, $"GET /?{marker} HTTP/1.1\r\nHost: localhost\r\n\r\n");
        Assert.Equal(200, response.StatusCode);
        Assert.Equal("ok", response.BodyText);
        Assert.True(await dram.WaitForOutputAsync($"second of lines {marker}"), dram.Output);

        var lines = dram.Output.Split('\n');
        // Each write is passed through unchanged: no log prefix is put in front of the app's text.
        Assert.Contains($"written {marker}", lines);
        Assert.Contains($"first of lines {marker}", lines);
        Assert.Contains($"second of lines {marker}", lines);
    }

    [Fact]
    public async Task ErrorsAreSharedAcrossRequestsAndKeepTheirOrder()
    {
        await using var dram = await DramProcess.StartAsync("errors_writer:application");
        using var connection = await RawHttpConnection.OpenAsync(dram.Port);
        for (var i = 0; i < 3; i++)
        {
            await connection.SendAsync($"GET /?request-{i} HTTP/1.1\r\nHost: localhost\r\n\r\n");
            Assert.Equal(200, (await connection.ReadResponseAsync()).StatusCode);
        }
        Assert.True(await dram.WaitForOutputAsync("second of lines request-2"), dram.Output);
        var output = dram.Output;
        var positions = Enumerable.Range(0, 3).Select(i => output.IndexOf($"written request-{i}", StringComparison.Ordinal)).ToList();
        Assert.All(positions, p => Assert.True(p >= 0, output));
        Assert.Equal(positions.Order(), positions);
    }

    [Fact]
    public async Task ErrorsGoToStandardErrorNotStandardOutput()
    {
        // DramProcess merges the two streams; this runs the binary with them apart.
        var marker = Guid.NewGuid().ToString("N");
        var port = FreePort.Next();
        var start = new ProcessStartInfo(DramBinary.Path)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[] { "--bind", $"127.0.0.1:{port}", "--chdir", Repo.Apps, "errors_writer:application" })
        {
            start.ArgumentList.Add(arg);
        }
        using var process = Process.Start(start)!;
        var stdout = new StringBuilder();
        var stderr = new StringBuilder();
        var listening = new TaskCompletionSource();
        process.OutputDataReceived += (_, e) =>
        {
            lock (stdout)
            {
                stdout.AppendLine(e.Data);
            }
        };
        process.ErrorDataReceived += (_, e) =>
        {
            lock (stderr)
            {
                stderr.AppendLine(e.Data);
            }
            if (e.Data?.Contains("Listening at:", StringComparison.Ordinal) == true)
            {
                listening.TrySetResult();
            }
        };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            await listening.Task.WaitAsync(TimeSpan.FromSeconds(60));
            var response = await RawHttpConnection.ExchangeAsync(port, $"GET /?{marker} HTTP/1.1\r\nHost: localhost\r\n\r\n");
            Assert.Equal(200, response.StatusCode);
        }
        finally
        {
            process.Kill();
            await process.WaitForExitAsync();
        }
        lock (stderr)
        {
            Assert.Contains($"written {marker}", stderr.ToString());
            Assert.Contains($"second of lines {marker}", stderr.ToString());
        }
        lock (stdout)
        {
            Assert.DoesNotContain(marker, stdout.ToString());
        }
    }
}
