using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Dram.Tests.Infrastructure;

/// <summary>
/// A server program from Debian (gunicorn, HAProxy, nginx) run in the foreground as a child of the
/// test: started, waited for until its TCP port accepts, stopped with SIGTERM when disposed. Its
/// output is kept for failure messages.
/// </summary>
public sealed class ForegroundServer : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private ForegroundServer(Process process)
    {
        _process = process;
    }

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

    /// <summary>
    /// Starts <paramref name="program"/> and waits until 127.0.0.1:<paramref name="port"/> accepts
    /// connections (30 s unless <paramref name="startTimeout"/> says otherwise).
    /// </summary>
    public static async Task<ForegroundServer> StartAsync(string program, IEnumerable<string> args, int port, string? workingDirectory = null,
        IReadOnlyDictionary<string, string>? environment = null, TimeSpan? startTimeout = null)
    {
        var start = new ProcessStartInfo(program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? Repo.Root,
        };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[name] = value;
        }
        var process = new Process { StartInfo = start };
        var server = new ForegroundServer(process);
        process.OutputDataReceived += (_, e) => server.Append(e.Data);
        process.ErrorDataReceived += (_, e) => server.Append(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        if (!await server.AcceptsAsync(port, startTimeout ?? TimeSpan.FromSeconds(30)))
        {
            var output = server.Output;
            await server.DisposeAsync();
            throw new InvalidOperationException($"{program} {string.Join(' ', args)} did not start listening on port {port}:\n{output}");
        }
        return server;
    }

    private async Task<bool> AcceptsAsync(int port, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline && !_process.HasExited)
        {
            try
            {
                using var probe = new TcpClient();
                await probe.ConnectAsync(IPAddress.Loopback, port);
                return true;
            }
            catch (SocketException)
            {
                await Task.Delay(100);
            }
        }
        return false;
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
            UnixSignal.Send(_process.Id, UnixSignal.Term);
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(15));
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
