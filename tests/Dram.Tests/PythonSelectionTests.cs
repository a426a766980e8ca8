using System.Text.Json;
using Dram.Tests.Infrastructure;

namespace Dram.Tests;

/// <summary>
/// Which CPython dram embeds: the one --python names (each installed 3.10 to 3.13 and the
/// distribution's), else python3 on PATH; and the exit-3 answers when it cannot embed one.
/// </summary>
public sealed class PythonSelectionTests
{
    private static readonly string InfoScript = Path.Combine(Repo.Apps, "python_info.py");

    [Theory]
    [PythonData("3.10")]
    [PythonData("3.11")]
    [PythonData("3.12")]
    [PythonData("3.13")]
    [PythonData(PythonInterpreters.SystemLabel)]
    public async Task EmbedsExactlyTheInterpreterNamedByPythonFlag(string label)
    {
        var python = PythonInterpreters.Require(label);
        var itself = RunDirectly(python);

        await using var dram = await DramProcess.StartAsync("python_info:application", ["--python", python]);
        var embedded = await GetInfoAsync(dram.Port);

        // sys.version holds the build date and compiler: equal only for the same build.
        Assert.Equal(itself.GetProperty("version").GetString(), embedded.GetProperty("version").GetString());
        Assert.Equal("cpython", embedded.GetProperty("implementation").GetString());
        foreach (var key in new[] { "prefix", "base_prefix", "exec_prefix", "executable", "stdlib", "purelib" })
        {
            Assert.Equal(itself.GetProperty(key).GetString(), embedded.GetProperty(key).GetString());
        }
        Assert.Equal(python, embedded.GetProperty("executable").GetString());
        Assert.Equal(embedded.GetProperty("prefix").GetString(), embedded.GetProperty("base_prefix").GetString());
        var path = embedded.GetProperty("path").EnumerateArray().Select(e => e.GetString()).ToList();
        Assert.Equal(Repo.Apps, path[0]);
        Assert.Contains(itself.GetProperty("stdlib").GetString(), path);

        var version = string.Join('.', embedded.GetProperty("version_info").EnumerateArray().Select(e => e.GetInt32()));
        Assert.Contains($"Python {version} ({python}, running this worker)", dram.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("virtualenv", dram.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WithoutPythonFlagOrVirtualEnvItEmbedsPython3FromPath()
    {
        var itself = RunDirectly("python3");
        // VIRTUAL_ENV empty: as if no virtualenv were active, whatever the test runner's environment.
        await using var dram = await DramProcess.StartAsync("python_info:application",
            environment: new Dictionary<string, string> { ["VIRTUAL_ENV"] = "" });
        var embedded = await GetInfoAsync(dram.Port);
        Assert.Equal(itself.GetProperty("version").GetString(), embedded.GetProperty("version").GetString());
        Assert.Equal(itself.GetProperty("prefix").GetString(), embedded.GetProperty("prefix").GetString());
        Assert.Equal(itself.GetProperty("executable").GetString(), embedded.GetProperty("executable").GetString());
    }

    [Theory]
    [PythonData("3.9")]
    [PythonData("3.8")]
    public async Task UnsupportedVersionExitsThreeNamingTheSupportedRange(string label)
    {
        var python = PythonInterpreters.Require(label);
        var output = await PythonFailsAsync(["--python", python]);
        Assert.Contains($"{python} is Python {label}.", output, StringComparison.Ordinal);
        Assert.Contains("Dram supports CPython 3.10 to 3.13", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task NonexistentPythonExitsThree()
    {
        var output = await PythonFailsAsync(["--python", "/nonexistent/dram-test/bin/python3"]);
        Assert.Contains("The Python interpreter /nonexistent/dram-test/bin/python3 (from --python) does not exist", output, StringComparison.Ordinal);
        Assert.Contains("Pass --python", output, StringComparison.Ordinal);
    }

    [PythonFact(PythonInterpreters.SystemLabel)]
    public async Task EachWorkerIsTheInterpreterItselfTitledAsADramWorker()
    {
        await using var dram = await DramProcess.StartAsync("slow_import:application", ["--python", PythonInterpreters.SystemPython, "-w", "2"]);
        var workers = await WorkerProbe.WaitForWorkersAsync(dram, 2, TimeSpan.FromSeconds(30));
        var interpreter = Path.GetFullPath(new FileInfo(PythonInterpreters.SystemPython).ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? PythonInterpreters.SystemPython);
        foreach (var pid in workers)
        {
            Assert.Equal(interpreter, new FileInfo($"/proc/{pid}/exe").ResolveLinkTarget(returnFinalTarget: true)?.FullName);
            var title = File.ReadAllText($"/proc/{pid}/cmdline").TrimEnd('\0');
            Assert.Matches(@"^dram: worker [12] \[slow_import:application\]$", title);
            Assert.Equal("dram", File.ReadAllText($"/proc/{pid}/comm").TrimEnd('\n'));
        }
    }

    [Fact]
    public async Task VirtualEnvThatDoesNotExistExitsThreeNamingTheVariable()
    {
        var output = await PythonFailsAsync([], new Dictionary<string, string> { ["VIRTUAL_ENV"] = "/nonexistent/dram-test-venv" });
        Assert.Contains("/nonexistent/dram-test-venv/bin/python (from $VIRTUAL_ENV) does not exist", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PythonWithoutSharedLibraryUnderPrefixExitsThreeSuggestingEnableShared()
    {
        using var temp = new TemporaryDirectory();
        var fake = FakePython.WithoutSharedLibrary(temp, "3.12.4", "/opt/dram-test-python");
        var output = await PythonFailsAsync(["--python", fake]);
        Assert.Contains("Python 3.12.4 at /opt/dram-test-python/bin/python3 has no shared libpython", output, StringComparison.Ordinal);
        Assert.Contains("Looked for /opt/dram-test-python/lib/libpython3.12.so.1.0", output, StringComparison.Ordinal);
        Assert.Contains("--enable-shared", output, StringComparison.Ordinal);
        Assert.Contains("pyenv install 3.12.4", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DistributionPythonWithoutSharedLibrarySuggestsTheAptPackage()
    {
        using var temp = new TemporaryDirectory();
        var fake = FakePython.WithoutSharedLibrary(temp, "3.13.1", "/usr/dram-test", multiarch: "dram-test-arch");
        var output = await PythonFailsAsync(["--python", fake]);
        Assert.Contains("Python 3.13.1 at /usr/dram-test/bin/python3 has no shared libpython", output, StringComparison.Ordinal);
        Assert.Contains("Looked for /usr/dram-test/lib/libpython3.13.so.1.0", output, StringComparison.Ordinal);
        Assert.Contains("apt install libpython3.13", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task OtherImplementationExitsThree()
    {
        using var temp = new TemporaryDirectory();
        var fake = FakePython.WithoutSharedLibrary(temp, "3.11.9", "/opt/pypy", implementation: "pypy");
        var output = await PythonFailsAsync(["--python", fake]);
        Assert.Contains("is pypy 3.11.9; Dram embeds CPython 3.10 to 3.13 only", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ProgramThatIsNotPythonExitsThree()
    {
        using var temp = new TemporaryDirectory();
        var fake = FakePython.Printing(temp, "hello from a shell script");
        var output = await PythonFailsAsync(["--python", fake]);
        Assert.Contains($"{fake} is not a CPython 3 interpreter Dram understands (it printed: hello from a shell script)", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task InterpreterThatFailsExitsThreeWithItsError()
    {
        using var temp = new TemporaryDirectory();
        var fake = temp.Write(Path.Combine("bin", "python3"), "#!/bin/sh\necho 'fatal: cannot find stdlib' >&2\nexit 7\n", executable: true);
        var output = await PythonFailsAsync(["--python", fake]);
        Assert.Contains($"{fake} failed (exit 7)", output, StringComparison.Ordinal);
        Assert.Contains("fatal: cannot find stdlib", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task FileThatIsNotExecutableExitsThree()
    {
        using var temp = new TemporaryDirectory();
        var notExecutable = temp.Write("python3", "not a program");
        var output = await PythonFailsAsync(["--python", notExecutable]);
        Assert.Contains($"Could not run {notExecutable}", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AppDirectoryShadowingStdlibModulesDoesNotBreakInterpreterDiscovery()
    {
        using var temp = new TemporaryDirectory();
        temp.Write("json.py", "raise ImportError('the app directory json.py was imported')\n");
        temp.Write("sysconfig.py", "raise ImportError('the app directory sysconfig.py was imported')\n");
        temp.Write("plain.py", "def application(environ, start_response):\n    start_response('200 OK', [])\n    return [b'served']\n");
        await using var dram = await DramProcess.StartAsync("plain", chdir: temp.Path);
        var response = await RawHttpConnection.ExchangeAsync(dram.Port, "GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
        Assert.Equal("served", response.BodyText);
    }

    /// <summary>Runs dram expecting exit 3 (no Python), with nothing listening; returns the output.</summary>
    private static async Task<string> PythonFailsAsync(IReadOnlyList<string> args, IDictionary<string, string>? environment = null)
    {
        var port = FreePort.Next();
        var (exitCode, output) = await DramProcess.RunToExitAsync(
            ["--chdir", Repo.Apps, "--bind", $"127.0.0.1:{port}", .. args, "python_info:application"], environment, TimeSpan.FromSeconds(60));
        Assert.True(exitCode == 3, $"expected exit 3, got {exitCode}:\n{output}");
        Assert.Contains("Cannot start Python: ", output, StringComparison.Ordinal);
        Assert.DoesNotContain("Listening at:", output, StringComparison.Ordinal);
        Assert.DoesNotContain("Unhandled exception", output, StringComparison.Ordinal);
        Assert.True(await PortState.IsRefusedAsync(port));
        return output;
    }

    /// <summary>What the interpreter reports when it runs python_info.py itself.</summary>
    private static JsonElement RunDirectly(string python)
    {
        var (exitCode, output) = PythonInterpreters.Run(python, [InfoScript], Repo.Apps);
        Assert.True(exitCode == 0, $"{python} {InfoScript} failed: {output}");
        return JsonDocument.Parse(output).RootElement.Clone();
    }

    private static async Task<JsonElement> GetInfoAsync(int port)
    {
        var response = await RawHttpConnection.ExchangeAsync(port, "GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
        Assert.Equal(200, response.StatusCode);
        return JsonDocument.Parse(response.Body).RootElement.Clone();
    }
}
