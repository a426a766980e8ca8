using Dram.Tests.Infrastructure;

namespace Dram.Tests.Request;

/// <summary>
/// SCRIPT_NAME from --root-path or the SCRIPT_NAME environment variable, and PATH_INFO without
/// that prefix, so an app mounted below /app builds its URLs under /app.
/// </summary>
public sealed class ScriptNameTests(MountedEnvironProbeServer mounted) : IClassFixture<MountedEnvironProbeServer>
{
    private static Task<EnvironReport> GetAsync(int port, string target) =>
        EnvironReport.FetchAsync(port, $"GET {target} HTTP/1.1\r\nHost: localhost\r\n\r\n");

    [Theory]
    [InlineData("/app/x", "/x")]
    [InlineData("/app/x/y/", "/x/y/")]
    [InlineData("/app/", "/")]
    [InlineData("/app", "")]
    [InlineData("/app/caf%C3%A9", "/caf\u00c3\u00a9")]
    [InlineData("/%61pp/x", "/x")]
    public async Task PathUnderTheRootPathLosesThePrefix(string target, string pathInfo)
    {
        var environ = await GetAsync(mounted.Port, target);
        Assert.Equal("/app", environ.Str("SCRIPT_NAME"));
        Assert.Equal(pathInfo, environ.Str("PATH_INFO"));
    }

    [Theory]
    [InlineData("/application/x")]
    [InlineData("/other")]
    [InlineData("/ap")]
    [InlineData("/")]
    public async Task PathNotUnderTheRootPathIsLeftWhole(string target)
    {
        // Only a whole leading segment matches: /application is not below /app.
        var environ = await GetAsync(mounted.Port, target);
        Assert.Equal("/app", environ.Str("SCRIPT_NAME"));
        Assert.Equal(target, environ.Str("PATH_INFO"));
    }

    [Fact]
    public async Task QueryStringAndRawUriAreNotAffectedByTheRootPath()
    {
        var environ = await GetAsync(mounted.Port, "/app/x?next=/app/y");
        Assert.Equal("/x", environ.Str("PATH_INFO"));
        Assert.Equal("next=/app/y", environ.Str("QUERY_STRING"));
        Assert.Equal("/app/x?next=/app/y", environ.Str("RAW_URI"));
    }

    [Fact]
    public async Task ScriptNameEnvironmentVariableMountsTheApp()
    {
        await using var dram = await DramProcess.StartAsync("environ_probe:application",
            environment: new Dictionary<string, string> { ["SCRIPT_NAME"] = "/mount" });
        var environ = await GetAsync(dram.Port, "/mount/page");
        Assert.Equal("/mount", environ.Str("SCRIPT_NAME"));
        Assert.Equal("/page", environ.Str("PATH_INFO"));
    }

    [Fact]
    public async Task RootPathOptionWinsOverTheEnvironmentVariable()
    {
        await using var dram = await DramProcess.StartAsync("environ_probe:application", ["--root-path", "/cli"],
            environment: new Dictionary<string, string> { ["SCRIPT_NAME"] = "/env" });
        var environ = await GetAsync(dram.Port, "/cli/page");
        Assert.Equal("/cli", environ.Str("SCRIPT_NAME"));
        Assert.Equal("/page", environ.Str("PATH_INFO"));
    }

    [Theory]
    [InlineData("/mount/", "/mount", "/mount/page", "/page")]
    [InlineData("/", "", "/page", "/page")]
    public async Task TrailingSlashOfTheScriptNameVariableIsDropped(string variable, string scriptName, string target, string pathInfo)
    {
        // SCRIPT_NAME is never '/': an app at the root has '' and PATH_INFO starting with '/'.
        await using var dram = await DramProcess.StartAsync("environ_probe:application",
            environment: new Dictionary<string, string> { ["SCRIPT_NAME"] = variable });
        var environ = await GetAsync(dram.Port, target);
        Assert.Equal(scriptName, environ.Str("SCRIPT_NAME"));
        Assert.Equal(pathInfo, environ.Str("PATH_INFO"));
    }

    [Fact]
    public async Task WithoutRootPathScriptNameIsEmptyAndPathInfoWhole()
    {
        await using var dram = await DramProcess.StartAsync("environ_probe:application");
        var environ = await GetAsync(dram.Port, "/app/page");
        Assert.Equal("", environ.Str("SCRIPT_NAME"));
        Assert.Equal("/app/page", environ.Str("PATH_INFO"));
    }
}
