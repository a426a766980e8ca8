using System.Text.Json;
using Dram.Tests.Infrastructure;

namespace Dram.Tests;

/// <summary>
/// Loading MODULE[:CALLABLE]: every way it can fail exits 4 with a short actionable message and
/// never opens the listening port; factories, sys.path, --pythonpath and the environment the
/// app module sees while it is imported.
/// </summary>
public sealed class AppLoadingTests
{
    private static readonly string LoadingApps = Path.Combine(Repo.Apps, "loading");

    [Fact]
    public async Task MissingModuleNamesItAndTheChdirDirectory()
    {
        var output = await LoadFailsAsync("dram_test_no_such_module:application");
        Assert.Contains("No module named 'dram_test_no_such_module'", output, StringComparison.Ordinal);
        Assert.Contains($"sys.path[0] is '{LoadingApps}'", output, StringComparison.Ordinal);
        Assert.Contains("--chdir", output, StringComparison.Ordinal);
        Assert.DoesNotContain("Traceback", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task MissingPackageOfADottedModuleNamesThePackage()
    {
        var output = await LoadFailsAsync("dram_test_no_such_package.wsgi");
        Assert.Contains("No module named 'dram_test_no_such_package' (looking for 'dram_test_no_such_package.wsgi')", output, StringComparison.Ordinal);
        Assert.Contains("the directory that holds 'dram_test_no_such_package'", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task MissingSubmoduleOfAnExistingPackageNamesTheSubmodule()
    {
        var output = await LoadFailsAsync("webpkg.nope:application");
        Assert.Contains("No module named 'webpkg.nope'", output, StringComparison.Ordinal);
        Assert.DoesNotContain("Traceback", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task MissingAttributeNamesItTheModuleAndTheCallablesItDefines()
    {
        var output = await LoadFailsAsync("several_callables");
        Assert.Contains("Failed to find attribute 'application' in 'several_callables'", output, StringComparison.Ordinal);
        Assert.Contains(Path.Combine(LoadingApps, "several_callables.py"), output, StringComparison.Ordinal);
        // Its own classes and functions; not imported modules or functions, not private names.
        Assert.Contains("Callables it defines: Middleware, make_app, wsgi_app.", output, StringComparison.Ordinal);
        Assert.DoesNotContain("_private", output, StringComparison.Ordinal);
        Assert.DoesNotContain("Traceback", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task MissingNamedAttributeIsNamed()
    {
        var output = await LoadFailsAsync("several_callables:app");
        Assert.Contains("Failed to find attribute 'app' in 'several_callables'", output, StringComparison.Ordinal);
        Assert.Contains("wsgi_app", output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("not_callable", "a dict")]
    [InlineData("not_callable:retries", "an int")]
    [InlineData("factories:returns_string()", "a str")]
    public async Task ObjectThatIsNotCallableIsRefusedNamingItsType(string app, string type)
    {
        var output = await LoadFailsAsync(app);
        Assert.Contains($"Application object must be callable: '{app}' is {type}", output, StringComparison.Ordinal);
        Assert.DoesNotContain("Traceback", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ModuleRaisingAtImportPrintsThePythonTraceback()
    {
        var output = await LoadFailsAsync("raises_at_import:application");
        Assert.Contains("Traceback (most recent call last):", output, StringComparison.Ordinal);
        Assert.Contains($"File \"{Path.Combine(LoadingApps, "raises_at_import.py")}\", line 5, in read_configuration", output, StringComparison.Ordinal);
        Assert.Contains("RuntimeError: DATABASE_URL is not configured (raised by raises_at_import.py)", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ImportErrorInsideTheAppModuleIsATracebackNotAMissingModule()
    {
        var output = await LoadFailsAsync("imports_missing_dependency:application");
        Assert.Contains("Traceback (most recent call last):", output, StringComparison.Ordinal);
        Assert.Contains($"File \"{Path.Combine(LoadingApps, "imports_missing_dependency.py")}\", line 2", output, StringComparison.Ordinal);
        Assert.Contains("ModuleNotFoundError: No module named 'dram_test_absent_dependency'", output, StringComparison.Ordinal);
        Assert.DoesNotContain("No module named 'imports_missing_dependency'", output, StringComparison.Ordinal);
        Assert.DoesNotContain("set --chdir", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task FailedImportOfASiblingInsideAPackageIsATraceback()
    {
        var output = await LoadFailsAsync("webpkg.broken:application");
        Assert.Contains("Traceback (most recent call last):", output, StringComparison.Ordinal);
        Assert.Contains("ImportError: cannot import name 'missing_sibling' from 'webpkg'", output, StringComparison.Ordinal);
        Assert.DoesNotContain("set --chdir", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SystemExitAtImportIsALoadFailureAndNothingListensDuringImport()
    {
        var port = FreePort.Next();
        var output = await LoadFailsAsync("probes_port_then_raises", port: port,
            environment: new Dictionary<string, string> { ["DRAM_TEST_PORT"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture) });
        Assert.Contains($"port {port} during import: refused", output, StringComparison.Ordinal);
        Assert.Contains("SystemExit: probes_port_then_raises: giving up on purpose", output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("factories:create_app()", "[]", "{}")]
    [InlineData("factories:create_app('x', debug=True)", "[\"x\"]", "{\"debug\":true}")]
    [InlineData("factories:create_app(1, -2.5, None, ['a', ('t', 1)], {'k': {'n': False}}, name=\"prod\")",
        "[1,-2.5,null,[\"a\",[\"t\",1]],{\"k\":{\"n\":false}}]", "{\"name\":\"prod\"}")]
    public async Task FactoryIsCalledOnceWithItsLiteralArguments(string app, string args, string kwargs)
    {
        await using var dram = await DramProcess.StartAsync(app, chdir: LoadingApps);
        using var connection = await RawHttpConnection.OpenAsync(dram.Port);
        for (var i = 0; i < 3; i++)
        {
            await connection.SendAsync("GET / HTTP/1.1\r\nHost: localhost\r\n\r\n");
            var response = await connection.ReadResponseAsync();
            Assert.Equal(200, response.StatusCode);
            var body = JsonDocument.Parse(response.Body).RootElement;
            Assert.Equal(args, Compact(body.GetProperty("args")));
            Assert.Equal(kwargs, Compact(body.GetProperty("kwargs")));
            Assert.Equal(1, body.GetProperty("calls").GetInt32());
        }
    }

    [Fact]
    public async Task FactoryReturningNoneIsRefused()
    {
        var output = await LoadFailsAsync("factories:returns_none()");
        Assert.Contains("The factory 'returns_none()' returned None instead of a WSGI application", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task FactoryRaisingPrintsTheTraceback()
    {
        var output = await LoadFailsAsync("factories:raises()");
        Assert.Contains("Traceback (most recent call last):", output, StringComparison.Ordinal);
        Assert.Contains($"File \"{Path.Combine(LoadingApps, "factories.py")}\"", output, StringComparison.Ordinal);
        Assert.Contains("ValueError: factory refused: missing SECRET_KEY", output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("factories:create_app(os.sep)")]
    [InlineData("factories:create_app(name=open('/etc/passwd').read())")]
    [InlineData("factories:create_app(*['a'])")]
    [InlineData("factories:create_app(**{'debug': True})")]
    [InlineData("factories:create_app(1 + 1)")]
    public async Task NonLiteralFactoryArgumentsAreRefusedWithoutRunningThem(string app)
    {
        var output = await LoadFailsAsync(app);
        Assert.Contains("must be Python literals", output, StringComparison.Ordinal);
        Assert.DoesNotContain("Traceback", output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("factories:create_app(", "Could not parse 'create_app('")]
    [InlineData("factories:app.wsgi", "'app.wsgi' in 'factories:app.wsgi' is neither an attribute name nor a function call")]
    [InlineData("factories:factories.create_app()", "The factory in 'factories:factories.create_app()' must be a plain name")]
    [InlineData(":application", "':application' names no module")]
    [InlineData("not_callable:retries()", "'not_callable:retries' is an int, so it cannot be called as a factory")]
    public async Task MalformedAppReferenceIsExplained(string app, string message)
    {
        var output = await LoadFailsAsync(app);
        Assert.Contains(message, output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ChdirIsSysPathZeroAndTheWorkingDirectoryAtImport()
    {
        await using var dram = await DramProcess.StartAsync("report:application", chdir: LoadingApps);
        var report = await GetJsonAsync(dram.Port);
        var sysPath = report.GetProperty("sys_path").EnumerateArray().Select(e => e.GetString()).ToList();
        Assert.Equal(LoadingApps, sysPath[0]);
        Assert.DoesNotContain("", sysPath);
        Assert.Equal(LoadingApps, report.GetProperty("cwd_at_import").GetString());
        Assert.Equal(Path.Combine(LoadingApps, "report.py"), report.GetProperty("file").GetString());
        Assert.Equal("report", report.GetProperty("name").GetString());
    }

    [Fact]
    public async Task RelativeChdirBecomesAnAbsoluteSysPathEntry()
    {
        // The harness starts dram in the repository root.
        await using var dram = await DramProcess.StartAsync("report", ["--chdir", Path.Combine("tests", "apps", "loading")]);
        var report = await GetJsonAsync(dram.Port);
        Assert.Equal(LoadingApps, report.GetProperty("sys_path")[0].GetString());
        Assert.Equal(LoadingApps, report.GetProperty("cwd_at_import").GetString());
    }

    [Fact]
    public async Task AppInsideAPackageLoads()
    {
        await using var dram = await DramProcess.StartAsync("webpkg.app:application", chdir: LoadingApps);
        var response = await RawHttpConnection.ExchangeAsync(dram.Port, "GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
        Assert.Equal("from webpkg.app", response.BodyText);
    }

    [Fact]
    public async Task PythonPathDirectoriesRelativeToChdirAreImportableInOrder()
    {
        await using var dram = await DramProcess.StartAsync("uses_pythonpath", ["--pythonpath", "lib_a, lib_b"], chdir: LoadingApps);
        var response = await RawHttpConnection.ExchangeAsync(dram.Port, "GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
        Assert.Equal("extra_a+extra_b", response.BodyText);

        await using var reporter = await DramProcess.StartAsync("report", ["--pythonpath", "lib_a,lib_b"], chdir: LoadingApps);
        var sysPath = (await GetJsonAsync(reporter.Port)).GetProperty("sys_path").EnumerateArray().Select(e => e.GetString()).ToList();
        Assert.Equal([LoadingApps, Path.Combine(LoadingApps, "lib_a"), Path.Combine(LoadingApps, "lib_b")], sysPath.Take(3));
    }

    [Fact]
    public async Task AbsolutePythonPathDirectoriesAreImportable()
    {
        var paths = $"{Path.Combine(LoadingApps, "lib_a")},{Path.Combine(LoadingApps, "lib_b")}";
        await using var dram = await DramProcess.StartAsync("uses_pythonpath", ["--pythonpath", paths], chdir: LoadingApps);
        var response = await RawHttpConnection.ExchangeAsync(dram.Port, "GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
        Assert.Equal("extra_a+extra_b", response.BodyText);
    }

    [Fact]
    public async Task WithoutPythonPathTheDependencyIsMissing()
    {
        var output = await LoadFailsAsync("uses_pythonpath");
        Assert.Contains("ModuleNotFoundError: No module named 'extra_a'", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task EnvFlagAndProcessEnvironmentAreInOsEnvironBeforeImport()
    {
        await using var dram = await DramProcess.StartAsync("needs_environment",
            ["-e", "DRAM_TEST_GREETING=bonjour", "--env=DRAM_TEST_EQUALS=a=b=c", "--env", "DRAM_TEST_EMPTY="],
            environment: new Dictionary<string, string> { ["DRAM_TEST_FROM_PROCESS"] = "inherited" },
            chdir: LoadingApps);
        var body = await GetJsonAsync(dram.Port);
        Assert.Equal("bonjour", body.GetProperty("greeting").GetString());
        Assert.Equal("inherited", body.GetProperty("from_process").GetString());
        Assert.Equal("bonjour", body.GetProperty("os_environ_now").GetString());
        Assert.Equal("bonjour", body.GetProperty("getenv_now").GetString());

        await using var reporter = await DramProcess.StartAsync("report",
            ["-e", "DRAM_TEST_EQUALS=a=b=c", "--env", "DRAM_TEST_EMPTY=", "-e", "DRAM_TEST_OVERRIDDEN=by-flag"],
            environment: new Dictionary<string, string> { ["DRAM_TEST_OVERRIDDEN"] = "by-process", ["DRAM_TEST_FROM_PROCESS"] = "inherited" },
            chdir: LoadingApps);
        var atImport = (await GetJsonAsync(reporter.Port)).GetProperty("environ_at_import");
        Assert.Equal("a=b=c", atImport.GetProperty("DRAM_TEST_EQUALS").GetString());
        Assert.Equal("", atImport.GetProperty("DRAM_TEST_EMPTY").GetString());
        Assert.Equal("by-flag", atImport.GetProperty("DRAM_TEST_OVERRIDDEN").GetString());
        Assert.Equal("inherited", atImport.GetProperty("DRAM_TEST_FROM_PROCESS").GetString());
    }

    [Fact]
    public async Task AppModuleReadingAMissingVariableAtImportFailsWithItsTraceback()
    {
        var output = await LoadFailsAsync("needs_environment");
        Assert.Contains("KeyError: 'DRAM_TEST_GREETING'", output, StringComparison.Ordinal);
        Assert.Contains("needs_environment.py\", line 5", output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(null, null, "stocksite.settings")]
    [InlineData("prod.settings", null, "prod.settings")]
    [InlineData(null, "staging.settings", "staging.settings")]
    [InlineData("prod.settings", "staging.settings", "prod.settings")]
    public async Task DjangoStyleSetDefaultYieldsToEnvFlagAndProcessEnvironment(string? flagValue, string? processValue, string expected)
    {
        var args = flagValue is null ? new List<string>() : ["-e", $"DJANGO_SETTINGS_MODULE={flagValue}"];
        var environment = new Dictionary<string, string>();
        if (processValue is not null)
        {
            environment["DJANGO_SETTINGS_MODULE"] = processValue;
        }
        await using var dram = await DramProcess.StartAsync("stock_wsgi", args, environment, chdir: LoadingApps);
        Assert.Equal(expected, (await GetJsonAsync(dram.Port)).GetProperty("settings").GetString());
    }

    /// <summary>Runs dram on a free port, expects exit 4 with no listener ever opened, returns the output.</summary>
    private static async Task<string> LoadFailsAsync(string app, int? port = null, IDictionary<string, string>? environment = null)
    {
        var bound = port ?? FreePort.Next();
        var (exitCode, output) = await DramProcess.RunToExitAsync(
            ["--chdir", LoadingApps, "--bind", $"127.0.0.1:{bound}", app], environment, TimeSpan.FromSeconds(60));
        Assert.True(exitCode == 4, $"expected exit 4, got {exitCode}:\n{output}");
        Assert.Contains($"Cannot load the application '{app}'", output, StringComparison.Ordinal);
        Assert.DoesNotContain("Listening at:", output, StringComparison.Ordinal);
        Assert.DoesNotContain("Unhandled exception", output, StringComparison.Ordinal);
        Assert.True(await PortState.IsRefusedAsync(bound), $"port {bound} must not be listening after a failed load");
        Assert.True(PortState.CanListen(bound), $"port {bound} must be free after a failed load");
        return output;
    }

    private static async Task<JsonElement> GetJsonAsync(int port)
    {
        var response = await RawHttpConnection.ExchangeAsync(port, "GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
        Assert.Equal(200, response.StatusCode);
        return JsonDocument.Parse(response.Body).RootElement.Clone();
    }

    private static string Compact(JsonElement element) => JsonSerializer.Serialize(element);
}
