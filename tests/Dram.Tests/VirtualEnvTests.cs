using System.Text.Json;
using Dram.Tests.Infrastructure;

namespace Dram.Tests;

/// <summary>
/// A virtualenv stays a virtualenv when embedded: chosen with --python venv/bin/python or by an
/// activated VIRTUAL_ENV, its site-packages is importable and sys.prefix/sys.executable are the venv's.
/// </summary>
public sealed class VirtualEnvTests
{
    private const string OnlyInVenv = "dram_venv_only_module";

    [Theory]
    [PythonData(PythonInterpreters.SystemLabel)]
    [PythonData("3.11")]
    public async Task PythonFlagNamingTheVenvInterpreterUsesTheVenv(string baseLabel)
    {
        using var venv = CreateWithModule(baseLabel, "from-flag");
        await using var dram = await DramProcess.StartAsync("venv_probe:application", ["--python", venv.Python],
            environment: new Dictionary<string, string> { ["VIRTUAL_ENV"] = "" });
        await AssertServedFromVenvAsync(dram, venv, "from-flag");
    }

    [Theory]
    [PythonData(PythonInterpreters.SystemLabel)]
    [PythonData("3.11")]
    public async Task RelativePythonPathIsTakenFromWhereDramStartedNotFromChdir(string baseLabel)
    {
        using var venv = CreateWithModule(baseLabel, "relative");
        // The harness starts dram in the repository root and passes --chdir tests/apps.
        var relative = Path.GetRelativePath(Repo.Root, venv.Python);
        Assert.False(Path.IsPathRooted(relative));
        await using var dram = await DramProcess.StartAsync("venv_probe:application", ["--python", relative]);
        await AssertServedFromVenvAsync(dram, venv, "relative");
    }

    [Theory]
    [PythonData(PythonInterpreters.SystemLabel)]
    [PythonData("3.11")]
    public async Task ActivatedVirtualEnvIsUsedWithoutPythonFlag(string baseLabel)
    {
        using var venv = CreateWithModule(baseLabel, "from-activation");
        await using var dram = await DramProcess.StartAsync("venv_probe:application",
            environment: new Dictionary<string, string> { ["VIRTUAL_ENV"] = venv.Root });
        await AssertServedFromVenvAsync(dram, venv, "from-activation");
    }

    [Theory]
    [PythonData(PythonInterpreters.SystemLabel)]
    [PythonData("3.11")]
    public async Task PythonFlagWinsOverAnActivatedVirtualEnv(string baseLabel)
    {
        using var activated = CreateWithModule(baseLabel, "activated");
        using var named = CreateWithModule(baseLabel, "named");
        await using var dram = await DramProcess.StartAsync("venv_probe:application", ["--python", named.Python],
            environment: new Dictionary<string, string> { ["VIRTUAL_ENV"] = activated.Root });
        await AssertServedFromVenvAsync(dram, named, "named");
    }

    [Theory]
    [PythonData(PythonInterpreters.SystemLabel)]
    [PythonData("3.11")]
    public async Task BaseInterpreterOfTheVenvCannotImportTheVenvOnlyModule(string baseLabel)
    {
        using var venv = CreateWithModule(baseLabel, "unused");
        var (exitCode, output) = await DramProcess.RunToExitAsync(
            ["--chdir", Repo.Apps, "--bind", $"127.0.0.1:{FreePort.Next()}", "--python", venv.BasePython, "venv_probe:application"],
            new Dictionary<string, string> { ["VIRTUAL_ENV"] = "" });
        Assert.True(exitCode == 4, output);
        Assert.Contains($"No module named '{OnlyInVenv}'", output, StringComparison.Ordinal);
    }

    [PythonFact(PythonInterpreters.SystemLabel, "django")]
    public async Task SystemSitePackagesAreVisibleOnlyWhenTheVenvIncludesThem()
    {
        foreach (var include in new[] { true, false })
        {
            using var venv = VirtualEnv.Create(PythonInterpreters.SystemPython, systemSitePackages: include);
            venv.AddModule(OnlyInVenv, "VALUE = 'site'\n");
            await using var dram = await DramProcess.StartAsync("venv_probe:application", ["--python", venv.Python]);
            var response = await RawHttpConnection.ExchangeAsync(dram.Port, "GET /?django HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
            var body = JsonDocument.Parse(response.Body).RootElement;
            Assert.Equal("site", body.GetProperty("module_value").GetString());
            Assert.Equal(include, body.GetProperty("importable").GetBoolean());
        }
    }

    private static VirtualEnv CreateWithModule(string baseLabel, string value)
    {
        var venv = VirtualEnv.Create(PythonInterpreters.Require(baseLabel));
        venv.AddModule(OnlyInVenv, $"VALUE = {JsonSerializer.Serialize(value)}\n");
        return venv;
    }

    private static async Task AssertServedFromVenvAsync(DramProcess dram, VirtualEnv venv, string value)
    {
        var response = await RawHttpConnection.ExchangeAsync(dram.Port, "GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
        Assert.Equal(200, response.StatusCode);
        var body = JsonDocument.Parse(response.Body).RootElement;
        Assert.Equal(value, body.GetProperty("module_value").GetString());
        Assert.Equal(Path.Combine(venv.SitePackages, OnlyInVenv + ".py"), body.GetProperty("module_file").GetString());
        Assert.Equal(venv.Root, body.GetProperty("prefix").GetString());
        Assert.Equal(venv.Python, body.GetProperty("executable").GetString());

        var (_, basePrefix) = PythonInterpreters.Query(venv.BasePython, "import sys; print(sys.prefix)");
        Assert.Equal(basePrefix, body.GetProperty("base_prefix").GetString());
        Assert.Contains($"; virtualenv {venv.Root}", dram.Output, StringComparison.Ordinal);
    }
}
