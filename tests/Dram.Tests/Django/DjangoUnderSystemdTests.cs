using System.Net;
using System.Text.Json;
using Dram.Tests.Infrastructure;

namespace Dram.Tests.Django;

/// <summary>
/// examples/systemd/mysite.service and mysite.socket: the units describe a Type=notify service
/// started by its socket, and Dram run as they say (under systemd-socket-activate, with a
/// test-owned NOTIFY_SOCKET) serves on the activated socket and reports READY=1, RELOADING=1 and
/// READY=1 on reload, WATCHDOG=1, and STOPPING=1 before exiting 0 on SIGTERM.
/// </summary>
public sealed class DjangoUnderSystemdTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    private static SystemdUnitFile Service => new(Path.Combine(Repo.Examples, "systemd", "mysite.service"));

    private static SystemdUnitFile Socket => new(Path.Combine(Repo.Examples, "systemd", "mysite.socket"));

    private static string EnvironmentFile => Path.Combine(Repo.Examples, "systemd", "mysite.env");

    [Fact]
    public void UnitsDescribeANotifyServiceStartedByItsSocket()
    {
        var service = Service;
        var socket = Socket;

        Assert.Equal("notify", service.Value("Service", "Type"));
        Assert.Equal("mysite.socket", service.Value("Unit", "Requires"));
        Assert.Equal("/bin/kill -s HUP $MAINPID", service.Value("Service", "ExecReload"));
        Assert.Equal("mixed", service.Value("Service", "KillMode"));
        var execStart = service.Value("Service", "ExecStart");
        Assert.StartsWith("/opt/dram/dram ", execStart);
        Assert.EndsWith(" mysite.wsgi:application", execStart);
        // The socket comes from systemd: a --bind would listen somewhere else.
        Assert.DoesNotContain("--bind", execStart);
        Assert.DoesNotContain(" -b ", execStart);
        Assert.Equal("/etc/mysite/env", service.Value("Service", "EnvironmentFile"));
        var variables = SocketActivatedService.EnvironmentFileVariables(EnvironmentFile).ToDictionary();
        Assert.Equal("production", variables["DJANGO_ENV"]);
        Assert.Equal(["DATABASE_URL", "DJANGO_ALLOWED_HOSTS", "DJANGO_ENV", "DJANGO_MEDIA_ROOT", "DJANGO_SECRET_KEY", "DJANGO_STATIC_ROOT"],
            variables.Keys.Order());
        Assert.Equal("/run/mysite/dram.sock", socket.Value("Socket", "ListenStream"));
        Assert.Equal("www-data", socket.Value("Socket", "SocketUser"));
    }

    [SkippableFact]
    public async Task ActivatedServiceServesReportsReadyReloadsOnHupAndStopsCleanlyOnTerm()
    {
        var missing = HostTool.MissingAny(HostTool.Django, HostTool.SocketActivate);
        Skip.If(missing is not null, missing);
        using var site = await DjangoSite.CreateAsync("production");
        var directory = Directory.CreateTempSubdirectory("dram-systemd-").FullName;
        try
        {
            using var notify = new NotifySocket(Path.Combine(directory, "notify.sock"));
            var socketPath = Path.Combine(directory, "dram.sock");
            await using var service = await SocketActivatedService.StartAsync(Service, Socket, EnvironmentFile, socketPath, notify.Path, 2_000_000, site);
            string Context() => $"command: {string.Join(' ', service.Command)}\n{service.Output}";

            // The first connection starts the service, which answers it once a worker accepts.
            var first = await AskAsync(socketPath);
            var ready = await notify.NextAsync(["READY=1"], Patience);
            Assert.Contains($"MAINPID={service.Pid}", ready.Split('\n'));
            Assert.Equal("", first.GetProperty("remote_addr").GetString());
            Assert.Equal("https", first.GetProperty("scheme").GetString());
            await notify.NextAsync(["WATCHDOG=1"], Patience);

            await service.ReloadAsync(Service);
            var reloading = await notify.NextAsync(["RELOADING=1"], Patience);
            Assert.Contains(reloading.Split('\n'), line => line.StartsWith("MONOTONIC_USEC=", StringComparison.Ordinal));
            await notify.NextAsync(["READY=1"], Patience);
            Assert.Equal("https", (await AskAsync(socketPath)).GetProperty("scheme").GetString());
            Assert.False(service.HasExited, Context());

            UnixSignal.Send(service.Pid, UnixSignal.Term);
            await notify.NextAsync(["STOPPING=1"], Patience);
            Assert.Equal(0, await service.WaitForExitAsync(Patience));
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    /// <summary>GET /api/request/ over the unix socket as nginx would send it after TLS.</summary>
    private static async Task<JsonElement> AskAsync(string socketPath)
    {
        using var client = new HttpClient(HttpTransport.UnixSocket(socketPath)) { Timeout = Patience };
        using var request = new HttpRequestMessage(HttpMethod.Get, "http://localhost/api/request/");
        request.Headers.Add("X-Forwarded-Proto", "https");
        using var response = await client.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{(int)response.StatusCode}\n{text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }
}
