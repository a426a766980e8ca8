using Dram.Tests.Infrastructure;

namespace Dram.Tests.Django;

/// <summary>
/// Which settings Dram's worker loads for mysite: wsgi.py only sets a default
/// DJANGO_SETTINGS_MODULE (mysite.settings), which picks by DJANGO_ENV (unset: production);
/// Dram's -e sets variables before the app is imported, over the inherited environment.
/// </summary>
public sealed class DjangoSettingsChoiceTests
{
    /// <summary>The start of Django's DEBUG 404 page: only development settings show it.</summary>
    private const string DebugNotFound = "Using the URLconf defined in <code>mysite.urls</code>";

    private static string? Missing => HostTool.MissingAny(HostTool.Django);

    /// <summary>Only a database outside the source tree; the test adds mysite's variables it means.</summary>
    private static Dictionary<string, string> Environment(TemporaryDirectory directory, params (string Key, string Value)[] variables)
    {
        var environment = new Dictionary<string, string> { ["DATABASE_URL"] = "sqlite:///" + Path.Combine(directory.Path, "db.sqlite3") };
        foreach (var (key, value) in variables)
        {
            environment[key] = value;
        }
        return environment;
    }

    [SkippableFact]
    public async Task UnsetDjangoEnvMeansProductionWhichRefusesToStartWithoutASecretKey()
    {
        Skip.If(Missing is not null, Missing);
        using var directory = new TemporaryDirectory();

        var (exitCode, output) = await DramProcess.RunToExitAsync(
            ["--python", HostTool.Django.Path, "--chdir", DjangoSite.ProjectDirectory, "--bind", $"127.0.0.1:{FreePort.Next()}", DjangoSite.App],
            Environment(directory));

        Assert.Equal(4, exitCode);
        Assert.Contains("DJANGO_SECRET_KEY is not set", output);
        Assert.DoesNotContain("Listening at:", output);
    }

    [SkippableFact]
    public async Task DashEOverridesDjangoEnvFromTheEnvironment()
    {
        Skip.If(Missing is not null, Missing);
        using var directory = new TemporaryDirectory();
        await using var dram = await StartAsync(Environment(directory, ("DJANGO_ENV", "production")), "-e", "DJANGO_ENV=development");

        var response = await NotFoundAsync(dram);

        Assert.Contains(DebugNotFound, response);
    }

    [SkippableFact]
    public async Task SettingsModuleFromTheEnvironmentWinsOverWsgiPysDefault()
    {
        Skip.If(Missing is not null, Missing);
        using var directory = new TemporaryDirectory();
        // DJANGO_ENV says production and there is no secret key: only the named module can start.
        await using var dram = await StartAsync(Environment(directory, ("DJANGO_ENV", "production")),
            "-e", "DJANGO_SETTINGS_MODULE=mysite.settings.development");

        Assert.Contains(DebugNotFound, await NotFoundAsync(dram));
    }

    [SkippableFact]
    public async Task ProductionSettingsShowNoDebugPages()
    {
        Skip.If(Missing is not null, Missing);
        using var directory = new TemporaryDirectory();
        await using var dram = await StartAsync(Environment(directory,
            ("DJANGO_ENV", "production"), ("DJANGO_SECRET_KEY", Guid.NewGuid().ToString("N")), ("DJANGO_ALLOWED_HOSTS", "localhost")));

        var response = await NotFoundAsync(dram);

        Assert.DoesNotContain(DebugNotFound, response);
        Assert.Contains("Not Found", response);
    }

    private static Task<DramProcess> StartAsync(Dictionary<string, string> environment, params string[] args) =>
        DramProcess.StartAsync(DjangoSite.App, ["--python", HostTool.Django.Path, "--chdir", DjangoSite.ProjectDirectory, .. args],
            environment);

    private static async Task<string> NotFoundAsync(DramProcess dram)
    {
        var response = await RawHttpConnection.ExchangeAsync(dram.Port, "GET /no/such/page/ HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
        Assert.Equal(404, response.StatusCode);
        return System.Text.Encoding.UTF8.GetString(response.Body);
    }
}
