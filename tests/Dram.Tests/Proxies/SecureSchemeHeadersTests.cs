using Dram.Tests.Django;
using Dram.Tests.Infrastructure;

namespace Dram.Tests.Proxies;

/// <summary>
/// --secure-scheme-headers with Gunicorn's semantics: a listed header with its exact value means
/// HTTPS, any other value HTTP, and lines that disagree are refused with 400 before the app runs.
/// The cases are also sent to Debian's Gunicorn, whose answers Dram's must match.
/// </summary>
public sealed class SecureSchemeHeadersTests(SecureSchemeHeadersTests.Servers servers) : IClassFixture<SecureSchemeHeadersTests.Servers>
{
    /// <summary>Dram with default settings serving limits_probe (which logs every call) and environ_probe, and Gunicorn serving environ_probe.</summary>
    public sealed class Servers : IAsyncLifetime
    {
        public DramProcess Environ { get; private set; } = null!;

        public DramProcess Limits { get; private set; } = null!;

        public ForegroundServer? Gunicorn { get; private set; }

        public int GunicornPort { get; } = FreePort.Next();

        public async Task InitializeAsync()
        {
            Environ = await DramProcess.StartAsync("environ_probe:application");
            Limits = await DramProcess.StartAsync("limits_probe:application");
            if (HostTool.Gunicorn.IsAvailable)
            {
                Gunicorn = await ForegroundServer.StartAsync(HostTool.Gunicorn.Path,
                    ["--bind", $"127.0.0.1:{GunicornPort}", "--chdir", Repo.Apps, "environ_probe:application"], GunicornPort);
            }
        }

        public async Task DisposeAsync()
        {
            await Environ.DisposeAsync();
            await Limits.DisposeAsync();
            if (Gunicorn is not null)
            {
                await Gunicorn.DisposeAsync();
            }
        }
    }

    /// <summary>Header lines, and the scheme they give (or "400").</summary>
    public static TheoryData<string, string> Cases => new()
    {
        { "", "http" },
        { "X-Forwarded-Proto: https\r\n", "https" },
        { "X-Forwarded-Proto: http\r\n", "http" },
        { "X-Forwarded-Proto: HTTPS\r\n", "http" },
        { "x-forwarded-proto: https\r\n", "https" },
        { "X-Forwarded-Proto: https, http\r\n", "http" },
        { "X-Forwarded-Ssl: on\r\n", "https" },
        { "X-Forwarded-Ssl: off\r\n", "http" },
        { "X-Forwarded-Protocol: ssl\r\n", "https" },
        { "X-Forwarded-Proto: https\r\nX-Forwarded-Ssl: on\r\nX-Forwarded-Protocol: ssl\r\n", "https" },
        { "X-Forwarded-Proto: https\r\nX-Forwarded-Proto: https\r\n", "https" },
        { "X-Forwarded-Proto: http\r\nX-Forwarded-Ssl: off\r\n", "http" },
        { "X-Forwarded-Proto: https\r\nX-Forwarded-Ssl: off\r\n", "400" },
        { "X-Forwarded-Proto: https\r\nX-Forwarded-Proto: http\r\n", "400" },
        { "X-Forwarded-Protocol: ssl\r\nX-Forwarded-Proto: http\r\n", "400" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task TheDefaultHeadersGiveTheScheme(string headers, string expected)
    {
        var response = await RawHttpConnection.ExchangeAsync(servers.Environ.Port, $"GET / HTTP/1.1\r\nHost: localhost\r\n{headers}\r\n");

        Assert.Equal(expected, Outcome(response));
    }

    [SkippableTheory]
    [MemberData(nameof(Cases))]
    public async Task GunicornGivesTheSameAnswers(string headers, string expected)
    {
        Skip.If(servers.Gunicorn is null, HostTool.Gunicorn.MissingReason);

        var response = await RawHttpConnection.ExchangeAsync(servers.GunicornPort, $"GET / HTTP/1.1\r\nHost: localhost\r\n{headers}\r\n");

        Assert.Equal(expected, Outcome(response));
    }

    [Fact]
    public async Task ContradictoryHeadersAreRefusedBeforeTheAppRuns()
    {
        var response = await RawHttpConnection.ExchangeAsync(servers.Limits.Port,
            "GET /contradictory HTTP/1.1\r\nHost: localhost\r\nX-Forwarded-Proto: https\r\nX-Forwarded-Ssl: off\r\n\r\n");
        var accepted = await RawHttpConnection.ExchangeAsync(servers.Limits.Port,
            "GET /agreeing HTTP/1.1\r\nHost: localhost\r\nX-Forwarded-Proto: https\r\nX-Forwarded-Ssl: on\r\n\r\n");

        Assert.Equal(400, response.StatusCode);
        Assert.Equal("Bad Request\n", response.BodyText);
        Assert.Equal(200, accepted.StatusCode);
        Assert.True(await servers.Limits.WaitForOutputAsync("limits_probe called: GET /agreeing"), servers.Limits.Output);
        Assert.DoesNotContain("limits_probe called: GET /contradictory", servers.Limits.Output);
        RobustnessLog.Record("Proxies", "a trusted proxy sends X-Forwarded-Proto: https and X-Forwarded-Ssl: off",
            "400 Bad Request, as Gunicorn; the app is not called");
    }

    [Fact]
    public async Task OtherHeadersCanBeNamed() =>
        await AssertSchemesAsync("X-Scheme=https, Front-End-Https=on",
            ("X-Scheme: https", "https"), ("Front-End-Https: on", "https"), ("X-Scheme: http", "http"), ("X-Forwarded-Proto: https", "http"));

    [Fact]
    public async Task ANameIsMatchedWhateverItsCase() =>
        await AssertSchemesAsync("x-scheme=https", ("X-SCHEME: https", "https"), ("X-Scheme: https", "https"), ("X-Scheme: HTTPS", "http"));

    [Fact]
    public async Task TheNextRequestOnAConnectionDoesNotInheritTheHeaders()
    {
        using var connection = await RawHttpConnection.OpenAsync(servers.Environ.Port);
        await connection.SendAsync("GET / HTTP/1.1\r\nHost: localhost\r\nX-Forwarded-Proto: https\r\nX-Forwarded-For: 203.0.113.7\r\n\r\n");
        var first = EnvironReport.From(await connection.ReadResponseAsync());
        await connection.SendAsync("GET / HTTP/1.1\r\nHost: localhost\r\n\r\n");
        var second = EnvironReport.From(await connection.ReadResponseAsync());
        await connection.SendAsync("GET / HTTP/1.1\r\nHost: localhost\r\nX-Forwarded-Ssl: off\r\n\r\n");
        var third = EnvironReport.From(await connection.ReadResponseAsync());

        Assert.Equal("https", first.Str("wsgi.url_scheme"));
        Assert.Equal("203.0.113.7", first.Str("REMOTE_ADDR"));
        Assert.Equal("http", second.Str("wsgi.url_scheme"));
        Assert.Equal("127.0.0.1", second.Str("REMOTE_ADDR"));
        Assert.Equal("http", third.Str("wsgi.url_scheme"));
    }

    [Fact]
    public async Task AnEmptyListTurnsThemOff()
    {
        await using var dram = await DramProcess.StartAsync("environ_probe:application", ["--secure-scheme-headers", ""]);

        Assert.Equal("http", await SchemeAsync(dram.Port, "X-Forwarded-Proto: https\r\nX-Forwarded-Ssl: on\r\n"));
        Assert.Equal("http", await SchemeAsync(dram.Port, "X-Forwarded-Proto: https\r\nX-Forwarded-Ssl: off\r\n"));
    }

    [Theory]
    [InlineData("X-FORWARDED-PROTO", "'X-FORWARDED-PROTO' is not NAME=VALUE")]
    [InlineData("=https", "'' is not a header name")]
    [InlineData("X Forwarded=https", "'X Forwarded' is not a header name")]
    [InlineData("X_FORWARDED_PROTO=https", "'X_FORWARDED_PROTO' is not a header name")]
    [InlineData("X-A=1,x-a=2", "'x-a' is named twice")]
    [InlineData("X-A=", "the value must be visible ASCII without spaces")]
    public async Task ABadValueIsAUsageErrorNamingIt(string value, string message)
    {
        var (exitCode, output) = await DramProcess.RunToExitAsync(["--secure-scheme-headers", value, "--chdir", Repo.Apps, "environ_probe:application"]);

        Assert.Equal(2, exitCode);
        Assert.Contains($"dram: error: --secure-scheme-headers {value}: ", output);
        Assert.Contains(message, output);
        Assert.DoesNotContain("Listening at", output);
    }

    /// <summary>Starts Dram with <c>--secure-scheme-headers <paramref name="setting"/></c>; each header line must give its scheme.</summary>
    private static async Task AssertSchemesAsync(string setting, params (string Header, string Scheme)[] cases)
    {
        await using var dram = await DramProcess.StartAsync("environ_probe:application", ["--secure-scheme-headers", setting]);
        foreach (var (header, scheme) in cases)
        {
            Assert.Equal(scheme, await SchemeAsync(dram.Port, header + "\r\n"));
        }
    }

    private static async Task<string> SchemeAsync(int port, string headers) =>
        Outcome(await RawHttpConnection.ExchangeAsync(port, $"GET / HTTP/1.1\r\nHost: localhost\r\n{headers}\r\n"));

    private static string Outcome(RawResponse response) =>
        response.StatusCode == 400 ? "400" : EnvironReport.From(response).Str("wsgi.url_scheme");
}
