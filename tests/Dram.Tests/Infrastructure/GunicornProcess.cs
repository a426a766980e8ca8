using System.Diagnostics;
using System.Net.Sockets;
using System.Text;

namespace Dram.Tests.Infrastructure;

/// <summary>
/// Gunicorn from Debian (<c>/usr/bin/gunicorn</c>) serving a test app on 127.0.0.1, for tests that
/// hold Dram's behaviour against the server it replaces. Stopped with SIGTERM when disposed.
/// </summary>
public sealed class GunicornProcess : IAsyncDisposable
{
    public const string Executable = "/usr/bin/gunicorn";

    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private GunicornProcess(Process process, int port)
    {
        _process = process;
        Port = port;
    }

    public int Port { get; }

    public static bool IsInstalled => File.Exists(Executable);

    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    /// <summary>Starts <c>gunicorn --bind 127.0.0.1:PORT --chdir tests/apps ARGS APP</c> and waits until it accepts connections.</summary>
    public static async Task<GunicornProcess> StartAsync(string app, IEnumerable<string> args)
    {
        var port = FreePort.Next();
        var start = new ProcessStartInfo(Executable)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Repo.Root,
        };
        foreach (var arg in (string[])["--bind", $"127.0.0.1:{port}", "--chdir", Repo.Apps, .. args, app])
        {
            start.ArgumentList.Add(arg);
        }
        start.Environment["PYTHONUTF8"] = "1";
        var process = new Process { StartInfo = start };
        var gunicorn = new GunicornProcess(process, port);
        process.OutputDataReceived += (_, e) => gunicorn.Append(e.Data);
        process.ErrorDataReceived += (_, e) => gunicorn.Append(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (DateTime.UtcNow < deadline && !process.HasExited)
        {
            try
            {
                using var probe = new TcpClient();
                await probe.ConnectAsync("127.0.0.1", port);
                return gunicorn;
            }
            catch (SocketException)
            {
                await Task.Delay(100);
            }
        }
        var output = gunicorn.Output;
        await gunicorn.DisposeAsync();
        throw new InvalidOperationException($"gunicorn did not start listening:\n{output}");
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }
        lock (_output)
        {
            _output.AppendLine(line);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            DramProcess.SignalProcess(_process.Id, DramProcess.SigTerm);
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            try
            {
                await _process.WaitForExitAsync(cts.Token);
            }
            catch (OperationCanceledException)
            {
                _process.Kill(entireProcessTree: true);
            }
        }
        _process.Dispose();
    }
}
