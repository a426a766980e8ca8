namespace Dram.Tests.Infrastructure;

/// <summary>
/// Gunicorn from Debian (<c>/usr/bin/gunicorn</c>) serving a test app on 127.0.0.1, for tests that
/// hold Dram's behaviour against the server it replaces. Stopped with SIGTERM when disposed.
/// </summary>
public sealed class GunicornProcess : IAsyncDisposable
{
    public const string Executable = "/usr/bin/gunicorn";

    private readonly ForegroundServer _server;

    private GunicornProcess(ForegroundServer server, int port)
    {
        _server = server;
        Port = port;
    }

    public int Port { get; }

    public static bool IsInstalled => File.Exists(Executable);

    public string Output => _server.Output;

    /// <summary>Starts <c>gunicorn --bind 127.0.0.1:PORT --chdir tests/apps ARGS APP</c> and waits until it accepts connections.</summary>
    public static async Task<GunicornProcess> StartAsync(string app, IEnumerable<string> args)
    {
        var port = FreePort.Next();
        var server = await ForegroundServer.StartAsync(Executable, ["--bind", $"127.0.0.1:{port}", "--chdir", Repo.Apps, .. args, app], port,
            environment: new Dictionary<string, string> { ["PYTHONUTF8"] = "1" }, startTimeout: TimeSpan.FromSeconds(60));
        return new GunicornProcess(server, port);
    }

    public ValueTask DisposeAsync() => _server.DisposeAsync();
}
