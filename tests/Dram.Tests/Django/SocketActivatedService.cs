using System.Diagnostics;
using System.Text;
using Dram.Tests.Infrastructure;

namespace Dram.Tests.Django;

/// <summary>
/// examples/systemd/mysite.service started the way mysite.socket starts it, with
/// systemd-socket-activate standing in for systemd: it listens on the socket, and on the first
/// connection execs the service's ExecStart with LISTEN_FDS and the variables of its
/// EnvironmentFile (examples/systemd/mysite.env). Only what is particular to the example
/// deployment is swapped for this machine's: /opt/dram/dram, /srv/mysite, the socket, and the
/// secret key, hosts and database of the test's site.
/// </summary>
public sealed class SocketActivatedService : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private SocketActivatedService(Process process, IReadOnlyList<string> command)
    {
        _process = process;
        Command = command;
    }

    /// <summary>The pid systemd would call $MAINPID: systemd-socket-activate execs the service in place.</summary>
    public int Pid => _process.Id;

    public IReadOnlyList<string> Command { get; }

    public bool HasExited => _process.HasExited;

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

    public static async Task<SocketActivatedService> StartAsync(SystemdUnitFile service, SystemdUnitFile socket, string environmentFile,
        string listenPath, string notifySocket, long watchdogUsec, DjangoSite site)
    {
        string Local(string text) => text
            .Replace(socket.Value("Socket", "ListenStream"), listenPath, StringComparison.Ordinal)
            .Replace("/opt/dram/dram", DramBinary.Path, StringComparison.Ordinal)
            .Replace("/srv/mysite/static", site.StaticRoot, StringComparison.Ordinal)
            .Replace("/srv/mysite/media", site.MediaRoot, StringComparison.Ordinal)
            .Replace("/srv/mysite", DjangoSite.ProjectDirectory, StringComparison.Ordinal);

        var command = new List<string> { "-l", listenPath, "-E", "NOTIFY_SOCKET=" + notifySocket, "-E", $"WATCHDOG_USEC={watchdogUsec}" };
        foreach (var assignment in service.Values("Service", "Environment"))
        {
            command.AddRange(["-E", Local(assignment)]);
        }
        foreach (var (key, value) in EnvironmentFileVariables(environmentFile))
        {
            var mine = key is "DJANGO_SECRET_KEY" or "DJANGO_ALLOWED_HOSTS" or "DATABASE_URL" ? site.Environment[key] : Local(value);
            command.AddRange(["-E", $"{key}={mine}"]);
        }
        command.AddRange(Local(service.Value("Service", "ExecStart")).Split(' ', StringSplitOptions.RemoveEmptyEntries));

        var start = new ProcessStartInfo(HostTool.SocketActivate.Path)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Local(service.Value("Service", "WorkingDirectory")),
        };
        command.ForEach(start.ArgumentList.Add);
        var process = new Process { StartInfo = start };
        var activated = new SocketActivatedService(process, command);
        process.OutputDataReceived += (_, e) => activated.Append(e.Data);
        process.ErrorDataReceived += (_, e) => activated.Append(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(15);
        while (!File.Exists(listenPath))
        {
            if (process.HasExited || DateTime.UtcNow > deadline)
            {
                var output = activated.Output;
                await activated.DisposeAsync();
                throw new InvalidOperationException($"systemd-socket-activate did not listen on {listenPath}:\n{output}");
            }
            await Task.Delay(50);
        }
        return activated;
    }

    /// <summary>KEY=value lines, as systemd's EnvironmentFile= reads them (comments and blank lines skipped).</summary>
    public static IEnumerable<(string Key, string Value)> EnvironmentFileVariables(string path) =>
        File.ReadAllLines(path)
            .Select(line => line.Trim())
            .Where(line => line.Length > 0 && line[0] is not ('#' or ';'))
            .Select(line => (line[..line.IndexOf('=')], line[(line.IndexOf('=') + 1)..]));

    /// <summary>Runs the unit's ExecReload= command line with $MAINPID filled in, as systemctl reload does.</summary>
    public async Task ReloadAsync(SystemdUnitFile service)
    {
        var reload = service.Value("Service", "ExecReload").Replace("$MAINPID", Pid.ToString(), StringComparison.Ordinal).Split(' ');
        await ExternalCommand.RunCheckedAsync(reload[0], reload[1..]);
    }

    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        await _process.WaitForExitAsync(cts.Token);
        _process.WaitForExit();
        return _process.ExitCode;
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
            try
            {
                await WaitForExitAsync(TimeSpan.FromSeconds(30));
            }
            catch (OperationCanceledException)
            {
                _process.Kill(entireProcessTree: true);
            }
        }
        _process.Dispose();
    }
}
