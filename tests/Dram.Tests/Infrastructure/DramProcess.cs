using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;

namespace Dram.Tests.Infrastructure;

/// <summary>
/// A real dram process serving an app on 127.0.0.1 (or a unix socket), started for a test and
/// stopped with SIGTERM when disposed. Its whole stdout and stderr are kept in <see cref="Output"/>.
/// </summary>
public sealed partial class DramProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly TaskCompletionSource _listening = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private DramProcess(Process process, int port)
    {
        _process = process;
        Port = port;
    }

    public int Port { get; }

    /// <summary>The master's pid (the process started); the app runs in its workers.</summary>
    public int Pid => _process.Id;

    /// <summary>
    /// The pid of the only worker (with the default -w 1): the process whose memory and descriptors
    /// show what serving requests costs.
    /// </summary>
    public async Task<int> WorkerPidAsync()
    {
        var workers = await ProcessTable.WaitForChildCountAsync(Pid, 1, TimeSpan.FromSeconds(30));
        return workers.Count == 1 ? workers[0] : throw new InvalidOperationException($"expected one worker, found {workers.Count}:\n{Output}");
    }

    public string BaseUrl => $"http://127.0.0.1:{Port}";

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

    public bool HasExited => _process.HasExited;

    /// <summary>
    /// Starts dram with <c>--bind 127.0.0.1:PORT --chdir tests/apps</c> (unless <paramref name="args"/>
    /// has its own --bind/--chdir) and waits until it listens: until its output says so or, when its
    /// log goes to a file instead (<paramref name="logsToFile"/>), until the port accepts connections.
    /// With <paramref name="boundPort"/>, the address comes from elsewhere (a config file) and no
    /// --bind is added. A null <paramref name="app"/> leaves out APP_MODULE (a config file's wsgi_app
    /// names it). <paramref name="workingDirectory"/> is where dram starts (default: the repository root).
    /// </summary>
    public static async Task<DramProcess> StartAsync(string? app, IEnumerable<string>? args = null,
        IDictionary<string, string>? environment = null, string? chdir = null, bool logsToFile = false,
        string? workingDirectory = null, int? boundPort = null, IReadOnlyList<string>? launcher = null)
    {
        var extra = args?.ToList() ?? [];
        var port = boundPort ?? FreePort.Next();
        var all = new List<string>();
        if (boundPort is null && !extra.Any(a => a is "-b" or "--bind" || a.StartsWith("--bind=", StringComparison.Ordinal)))
        {
            all.AddRange(["--bind", $"127.0.0.1:{port}"]);
        }
        if (!extra.Contains("--chdir"))
        {
            all.AddRange(["--chdir", chdir ?? Repo.Apps]);
        }
        all.AddRange(extra);
        if (app is not null)
        {
            all.Add(app);
        }
        var dram = Launch(all, environment, workingDirectory, boundPort, launcher);
        Task listening = logsToFile ? WaitUntilConnectableAsync(port, TimeSpan.FromSeconds(60)) : dram._listening.Task;
        var started = await Task.WhenAny(listening, dram._process.WaitForExitAsync(), Task.Delay(TimeSpan.FromSeconds(60)));
        if (started != listening || listening is Task<bool> { Result: false })
        {
            var output = dram.Output;
            await dram.DisposeAsync();
            throw new InvalidOperationException($"dram did not start listening (args: {string.Join(' ', all)}):\n{output}");
        }
        return dram;
    }

    /// <summary>True once the port accepts a connection (the master has bound it), false on timeout.</summary>
    private static async Task<bool> WaitUntilConnectableAsync(int port, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                using var probe = new System.Net.Sockets.TcpClient();
                await probe.ConnectAsync("127.0.0.1", port);
                return true;
            }
            catch (System.Net.Sockets.SocketException)
            {
                await Task.Delay(100);
            }
        }
        return false;
    }

    /// <summary>Runs dram with exactly these arguments until it exits; returns the exit code and all output.</summary>
    public static async Task<(int ExitCode, string Output)> RunToExitAsync(IEnumerable<string> args,
        IDictionary<string, string>? environment = null, TimeSpan? timeout = null, string? workingDirectory = null)
    {
        await using var dram = Launch(args.ToList(), environment, workingDirectory);
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(60));
        try
        {
            await dram._process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"dram {string.Join(' ', args)} did not exit:\n{dram.Output}");
        }
        dram._process.WaitForExit();
        return (dram._process.ExitCode, dram.Output);
    }

    /// <remarks>
    /// A <paramref name="launcher"/> (e.g. <c>nohup</c>) runs first and executes dram, given as its
    /// last argument before dram's own; it must exec dram in place, so the process is still dram's.
    /// </remarks>
    private static DramProcess Launch(List<string> args, IDictionary<string, string>? environment, string? workingDirectory = null,
        int? boundPort = null, IReadOnlyList<string>? launcher = null)
    {
        var start = new ProcessStartInfo(launcher is { Count: > 0 } ? launcher[0] : DramBinary.Path)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? Repo.Root,
        };
        if (launcher is { Count: > 0 })
        {
            foreach (var arg in launcher.Skip(1))
            {
                start.ArgumentList.Add(arg);
            }
            start.ArgumentList.Add(DramBinary.Path);
        }
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }
        if (environment is not null)
        {
            foreach (var (key, value) in environment)
            {
                start.Environment[key] = value;
            }
        }
        var process = new Process { StartInfo = start, EnableRaisingEvents = true };
        var port = boundPort ?? 0;
        var bindIndex = args.IndexOf("--bind");
        if (bindIndex >= 0 && bindIndex + 1 < args.Count && args[bindIndex + 1].StartsWith("127.0.0.1:", StringComparison.Ordinal)
            && int.TryParse(args[bindIndex + 1]["127.0.0.1:".Length..], out var bound))
        {
            port = bound;
        }
        var dram = new DramProcess(process, port);
        process.OutputDataReceived += (_, e) => dram.OnLine(e.Data);
        process.ErrorDataReceived += (_, e) => dram.OnLine(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return dram;
    }

    private void OnLine(string? line)
    {
        if (line is null)
        {
            return;
        }
        lock (_output)
        {
            _output.AppendLine(line);
        }
        if (line.Contains("Listening at:", StringComparison.Ordinal))
        {
            _listening.TrySetResult();
        }
    }

    /// <summary>Waits until the output contains <paramref name="text"/> (log lines are written asynchronously).</summary>
    public async Task<bool> WaitForOutputAsync(string text, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(10));
        while (DateTime.UtcNow < deadline)
        {
            if (Output.Contains(text, StringComparison.Ordinal))
            {
                return true;
            }
            await Task.Delay(50);
        }
        return false;
    }

    /// <summary>How many times <paramref name="text"/> occurs in the output so far.</summary>
    public int CountInOutput(string text)
    {
        var output = Output;
        var count = 0;
        for (var at = output.IndexOf(text, StringComparison.Ordinal); at >= 0; at = output.IndexOf(text, at + text.Length, StringComparison.Ordinal))
        {
            count++;
        }
        return count;
    }

    /// <summary>Waits until <paramref name="text"/> occurs at least <paramref name="count"/> times in the output.</summary>
    public async Task<bool> WaitForOutputCountAsync(string text, int count, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (CountInOutput(text) < count)
        {
            if (DateTime.UtcNow > deadline)
            {
                return false;
            }
            await Task.Delay(50);
        }
        return true;
    }

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);

    /// <summary>Sends <paramref name="signal"/> to the master.</summary>
    public void Signal(int signal) => Kill(_process.Id, signal);

    /// <summary>Waits for the process to exit on its own (sending nothing); its exit code, or null on timeout.</summary>
    public async Task<int?> WaitForExitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            return null;
        }
        _process.WaitForExit();
        return _process.ExitCode;
    }

    /// <summary>Sends SIGTERM and waits for the exit code.</summary>
    public async Task<int> StopAsync(TimeSpan? timeout = null)
    {
        if (!_process.HasExited)
        {
            Signal(UnixSignal.Term);
        }
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(30));
        try
        {
            await _process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
            throw new TimeoutException("dram did not stop within the timeout after SIGTERM:\n" + Output);
        }
        _process.WaitForExit();
        return _process.ExitCode;
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                await StopAsync(TimeSpan.FromSeconds(15));
            }
        }
        catch (TimeoutException)
        {
        }
        _process.Dispose();
    }
}
