using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using Dram.Tests.Infrastructure;

namespace Dram.Tests;

/// <summary>The dram command line: help, version, usage errors (exit 2), listening addresses and bind failures (exit 1).</summary>
public sealed partial class CommandLineTests
{
    private static readonly TimeSpan QuickExit = TimeSpan.FromSeconds(30);

    [Theory]
    [InlineData("--help")]
    [InlineData("-h")]
    public async Task HelpListsTheGunicornNamedFlagsAndExitsZero(string flag)
    {
        var (exitCode, output) = await DramProcess.RunToExitAsync([flag], timeout: QuickExit);
        Assert.Equal(0, exitCode);
        Assert.Contains("usage: dram", output, StringComparison.Ordinal);
        Assert.Contains("APP_MODULE", output, StringComparison.Ordinal);
        foreach (var documented in new[] { "-b, --bind", "--chdir", "--pythonpath", "--threads", "-e, --env", "--log-level", "--python", "--root-path", "-v, --version", "-h, --help" })
        {
            Assert.Contains(documented, output, StringComparison.Ordinal);
        }
        Assert.DoesNotContain("Starting dram", output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--version")]
    [InlineData("-v")]
    public async Task VersionPrintsOneLineAndExitsZero(string flag)
    {
        var (exitCode, output) = await DramProcess.RunToExitAsync([flag], timeout: QuickExit);
        Assert.Equal(0, exitCode);
        Assert.Matches(VersionLine(), output.Trim());
    }

    [Fact]
    public async Task HelpWinsOverAMissingAppModule()
    {
        var (exitCode, output) = await DramProcess.RunToExitAsync(["--threads", "4", "--help"], timeout: QuickExit);
        Assert.Equal(0, exitCode);
        Assert.Contains("usage: dram", output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--no-such-flag")]
    [InlineData("--reload-extra-typo")]
    [InlineData("-Z")]
    public async Task UnknownFlagExitsTwoNamingTheFlag(string flag)
    {
        var (exitCode, output) = await DramProcess.RunToExitAsync([flag, "echo:application"], timeout: QuickExit);
        Assert.Equal(2, exitCode);
        Assert.Contains($"'{flag}'", output, StringComparison.Ordinal);
        Assert.DoesNotContain("Starting dram", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UnknownFlagWithInlineValueIsNamedWithoutTheValue()
    {
        var (exitCode, output) = await DramProcess.RunToExitAsync(["--no-such-flag=3", "echo:application"], timeout: QuickExit);
        Assert.Equal(2, exitCode);
        Assert.Contains("'--no-such-flag'", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task MissingAppModuleExitsTwo()
    {
        var (exitCode, output) = await DramProcess.RunToExitAsync(["--bind", $"127.0.0.1:{FreePort.Next()}"], timeout: QuickExit);
        Assert.Equal(2, exitCode);
        Assert.Contains("APP_MODULE", output, StringComparison.Ordinal);
        Assert.DoesNotContain("Starting dram", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TwoAppModulesExitTwoNamingTheExtraOne()
    {
        var (exitCode, output) = await DramProcess.RunToExitAsync(["echo:application", "hello:application"], timeout: QuickExit);
        Assert.Equal(2, exitCode);
        Assert.Contains("'hello:application'", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task FlagWithoutItsValueExitsTwo()
    {
        var (exitCode, output) = await DramProcess.RunToExitAsync(["echo:application", "--bind"], timeout: QuickExit);
        Assert.Equal(2, exitCode);
        Assert.Contains("--bind needs a value", output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("127.0.0.1:notaport", "'notaport' is not a port number")]
    [InlineData("127.0.0.1:70000", "'70000' is not a port number")]
    [InlineData("127.0.0.1:-1", "'-1' is not a port number")]
    [InlineData("::1:80", "write IPv6 addresses in brackets")]
    [InlineData("[::1:80", "in brackets")]
    [InlineData("[::1]80", "expected :PORT after the bracketed IPv6 address")]
    [InlineData("unix:", "a unix socket needs a path")]
    [InlineData("fd://x", "fd://N")]
    public async Task BadBindExitsTwoNamingTheProblem(string bind, string problem)
    {
        var (exitCode, output) = await DramProcess.RunToExitAsync(["--bind", bind, "echo:application"], timeout: QuickExit);
        Assert.Equal(2, exitCode);
        Assert.Contains($"--bind {bind}", output, StringComparison.Ordinal);
        Assert.Contains(problem, output, StringComparison.Ordinal);
        Assert.DoesNotContain("Starting dram", output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--threads", "0", "must be between 1 and 1024")]
    [InlineData("--threads", "many", "not a whole number")]
    [InlineData("--chdir", "/nonexistent/dram-test-dir", "directory /nonexistent/dram-test-dir does not exist")]
    [InlineData("-e", "NO_EQUALS_SIGN", "must look like KEY=VALUE")]
    [InlineData("--log-level", "loud", "must be debug, info, warning, error or critical")]
    [InlineData("--root-path", "app/", "must start with '/'")]
    public async Task BadSettingValueExitsTwoNamingTheFlagAndValue(string flag, string value, string problem)
    {
        var (exitCode, output) = await DramProcess.RunToExitAsync([flag, value, "echo:application"], timeout: QuickExit);
        Assert.Equal(2, exitCode);
        Assert.Contains($"{flag} {value}", output, StringComparison.Ordinal);
        Assert.Contains(problem, output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RepeatedBindServesOnEveryTcpPortAndUnixSocket()
    {
        using var temp = new TemporaryDirectory();
        var socketPath = Path.Combine(temp.Path, "dram.sock");
        var first = FreePort.Next();
        var second = FreePort.Next();
        await using var dram = await DramProcess.StartAsync("echo:application",
            ["--bind", $"127.0.0.1:{first}", "-b", $"127.0.0.1:{second}", "--bind", $"unix:{socketPath}"]);

        Assert.True(await dram.WaitForOutputAsync($"Listening at: unix:{socketPath}"), dram.Output);
        Assert.Contains($"Listening at: http://127.0.0.1:{first}", dram.Output, StringComparison.Ordinal);
        Assert.Contains($"Listening at: http://127.0.0.1:{second}", dram.Output, StringComparison.Ordinal);

        foreach (var port in new[] { first, second })
        {
            var response = await RawHttpConnection.ExchangeAsync(port, "GET /tcp HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
            Assert.Equal(200, response.StatusCode);
            Assert.Contains("\"PATH_INFO\": \"/tcp\"", response.BodyText, StringComparison.Ordinal);
        }

        using var unixClient = UnixSocketHttp.CreateClient(socketPath);
        for (var i = 0; i < 2; i++)
        {
            using var response = await unixClient.PostAsync("/over-unix", new StringContent("abc"));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var body = await response.Content.ReadAsStringAsync();
            Assert.Contains("\"PATH_INFO\": \"/over-unix\"", body, StringComparison.Ordinal);
            Assert.Contains("\"body_length\": 3", body, StringComparison.Ordinal);
        }

        Assert.Equal(0, await dram.StopAsync());
        Assert.False(File.Exists(socketPath), "the unix socket file should be removed on a clean stop");
    }

    [Fact]
    public async Task PortZeroLogsAndServesOnThePortTheSystemChose()
    {
        await using var dram = await DramProcess.StartAsync("echo:application", ["--bind", "127.0.0.1:0", "--bind", "127.0.0.1:0"]);
        // Both listening lines are logged before the server serves; wait until the second is read too.
        for (var waited = 0; ListeningPort().Matches(dram.Output).Count < 2 && waited < 100; waited++)
        {
            await Task.Delay(50);
        }
        var ports = ListeningPort().Matches(dram.Output).Select(m => int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture)).ToList();
        Assert.Equal(2, ports.Count);
        Assert.Equal(2, ports.Distinct().Count());
        foreach (var port in ports)
        {
            Assert.NotEqual(0, port);
            var response = await RawHttpConnection.ExchangeAsync(port, "GET /any HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
            Assert.Equal(200, response.StatusCode);
        }
    }

    [Fact]
    public async Task UnixSocketLeftByADeadServerIsReplaced()
    {
        using var temp = new TemporaryDirectory();
        var socketPath = Path.Combine(temp.Path, "stale.sock");
        // A socket file whose server is gone: bound by a process that then exited without removing it.
        var (exitCode, _) = PythonInterpreters.Run("python3", ["-c", "import socket, sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])", socketPath]);
        Assert.Equal(0, exitCode);
        Assert.True(File.Exists(socketPath));

        await using var dram = await DramProcess.StartAsync("echo:application", ["--bind", $"unix:{socketPath}"]);
        using var client = UnixSocketHttp.CreateClient(socketPath);
        using var response = await client.GetAsync("/after-stale");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Theory]
    [InlineData("")]
    [InlineData("not a socket")]
    public async Task RegularFileAtTheUnixSocketPathIsKeptAndReported(string content)
    {
        using var temp = new TemporaryDirectory();
        var path = temp.Write("app.sock", content);
        var (exitCode, output) = await DramProcess.RunToExitAsync(
            ["--chdir", Repo.Apps, "--bind", $"unix:{path}", "echo:application"], timeout: QuickExit);
        Assert.Equal(1, exitCode);
        Assert.Contains($"unix:{path}: a regular file is in the way", output, StringComparison.Ordinal);
        Assert.DoesNotContain("Unhandled exception", output, StringComparison.Ordinal);
        Assert.Equal(content, File.ReadAllText(path));
    }

    [Fact]
    public async Task UnixSocketWithALiveServerIsKeptAndReported()
    {
        using var temp = new TemporaryDirectory();
        var path = Path.Combine(temp.Path, "busy.sock");
        using var live = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        live.Bind(new UnixDomainSocketEndPoint(path));
        live.Listen();

        var (exitCode, output) = await DramProcess.RunToExitAsync(
            ["--chdir", Repo.Apps, "--bind", $"unix:{path}", "echo:application"], timeout: QuickExit);
        Assert.Equal(1, exitCode);
        Assert.Contains($"unix:{path}: another server is accepting connections there", output, StringComparison.Ordinal);
        Assert.DoesNotContain("Unhandled exception", output, StringComparison.Ordinal);
        using var client = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        await client.ConnectAsync(new UnixDomainSocketEndPoint(path));
    }

    [Fact]
    public async Task UnixSocketInAMissingDirectoryExitsOneNamingTheDirectory()
    {
        var socketPath = "/nonexistent/dram-test-dir/app.sock";
        var (exitCode, output) = await DramProcess.RunToExitAsync(
            ["--chdir", Repo.Apps, "--bind", $"unix:{socketPath}", "echo:application"], timeout: QuickExit);
        Assert.Equal(1, exitCode);
        Assert.Contains($"unix:{socketPath}", output, StringComparison.Ordinal);
        Assert.Contains("directory /nonexistent/dram-test-dir does not exist", output, StringComparison.Ordinal);
        Assert.DoesNotContain("Unhandled exception", output, StringComparison.Ordinal);
    }

    [IPv6LoopbackFact]
    public async Task BracketedIPv6LoopbackServes()
    {
        var port = FreePort.Next();
        await using var dram = await DramProcess.StartAsync("echo:application", ["--bind", $"[::1]:{port}"]);
        Assert.Contains($"Listening at: http://[::1]:{port}", dram.Output, StringComparison.Ordinal);

        using var client = new TcpClient(AddressFamily.InterNetworkV6);
        await client.ConnectAsync(IPAddress.IPv6Loopback, port);
        var stream = client.GetStream();
        await stream.WriteAsync("GET /v6 HTTP/1.1\r\nHost: [::1]\r\nConnection: close\r\n\r\n"u8.ToArray());
        using var reader = new StreamReader(stream);
        var response = await reader.ReadToEndAsync();
        Assert.StartsWith("HTTP/1.1 200", response, StringComparison.Ordinal);
        Assert.Contains("\"PATH_INFO\": \"/v6\"", response, StringComparison.Ordinal);
        Assert.Contains("\"REMOTE_ADDR\": \"::1\"", response, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PortAlreadyInUseExitsOneNamingTheAddress()
    {
        using var occupant = new TcpListener(IPAddress.Loopback, 0);
        occupant.Start();
        var port = ((IPEndPoint)occupant.LocalEndpoint).Port;

        var (exitCode, output) = await DramProcess.RunToExitAsync(
            ["--chdir", Repo.Apps, "--bind", $"127.0.0.1:{port}", "echo:application"], timeout: QuickExit);

        Assert.Equal(1, exitCode);
        Assert.Contains($"127.0.0.1:{port}", output, StringComparison.Ordinal);
        Assert.Contains("in use", output, StringComparison.Ordinal);
        Assert.DoesNotContain("Unhandled exception", output, StringComparison.Ordinal);
        Assert.DoesNotContain("Listening at:", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PortInUseAmongSeveralBindsNamesOnlyTheBusyAddress()
    {
        // The free port's digits are a prefix of the busy one's (e.g. 4123 and 41234), so naming
        // the busy address must match whole addresses.
        var occupants = new List<TcpListener>();
        TcpListener occupant;
        int busy, free;
        while (true)
        {
            occupant = new TcpListener(IPAddress.Loopback, 0);
            occupant.Start();
            occupants.Add(occupant);
            busy = ((IPEndPoint)occupant.LocalEndpoint).Port;
            free = busy / 10;
            if (free >= 1024 && PortState.CanListen(free))
            {
                break;
            }
            Assert.True(occupants.Count < 50, "found no free port whose digits prefix a busy one");
        }
        using var cleanup = new Disposer(() => occupants.ForEach(o => o.Stop()));

        var (exitCode, output) = await DramProcess.RunToExitAsync(
            ["--chdir", Repo.Apps, "--bind", $"127.0.0.1:{free}", "--bind", $"127.0.0.1:{busy}", "echo:application"], timeout: QuickExit);

        Assert.Equal(1, exitCode);
        var failure = output.Split('\n').Single(l => l.Contains("Cannot listen on", StringComparison.Ordinal));
        Assert.Contains($"127.0.0.1:{busy}", failure, StringComparison.Ordinal);
        Assert.DoesNotMatch($@"127\.0\.0\.1:{free}(?!\d)", failure);
        Assert.Contains("in use", failure, StringComparison.Ordinal);
        Assert.True(await PortState.IsRefusedAsync(free), "the free port must not be left listening");
    }

    private sealed class Disposer(Action dispose) : IDisposable
    {
        public void Dispose() => dispose();
    }

    [GeneratedRegex(@"Listening at: http://127\.0\.0\.1:(\d+) ")]
    private static partial Regex ListeningPort();

    [GeneratedRegex(@"^dram \d+\.\d+\.\d+$")]
    private static partial Regex VersionLine();
}
