using System.Text.Json;
using Dram.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Dram.Tests;

/// <summary>
/// --user, --group and --initgroups: workers switch accounts right after they start, before Python
/// runs, while the master keeps the account it was started as (root here). The worker's ids are read
/// from /proc and from os.getuid() in the app. The interpreter is the system's /usr/bin/python3,
/// which other accounts can read (the tests' pyenv interpreters live under /root).
/// </summary>
public sealed class WorkerAccountTests(ITestOutputHelper output)
{
    private const int Nobody = 65534;
    private const int NoGroup = 65534;
    private const int WwwData = 33;

    [SkippableFact]
    public async Task WorkersRunAsNobodyWhileTheMasterStaysRoot()
    {
        SkipUnlessRootWithSystemPython();
        await using var dram = await StartAsync(["--user", "nobody"]);

        var app = await AskAppAsync(dram);
        var worker = UnixCredentials.OfProcess(await dram.WorkerPidAsync());
        var master = UnixCredentials.OfProcess(dram.Pid);

        Assert.Equal([Nobody, Nobody, Nobody, Nobody], worker.Uids);
        Assert.Equal([NoGroup, NoGroup, NoGroup, NoGroup], worker.Gids);
        Assert.Empty(worker.Groups);
        Assert.Equal([0, 0, 0, 0], master.Uids);
        Assert.Equal(await dram.WorkerPidAsync(), app.GetProperty("pid").GetInt32());
        Assert.Equal(Nobody, app.GetProperty("uid").GetInt32());
        Assert.Equal(Nobody, app.GetProperty("euid").GetInt32());
        Assert.Equal(NoGroup, app.GetProperty("gid").GetInt32());
        Assert.Equal(0, app.GetProperty("groups").GetArrayLength());
        Assert.Contains("Workers run as user nobody (65534), group nogroup (65534)", dram.Output);
    }

    [SkippableFact]
    public async Task GroupAloneChangesOnlyTheGroup()
    {
        SkipUnlessRootWithSystemPython();
        await using var dram = await StartAsync(["--group", "www-data"]);

        var app = await AskAppAsync(dram);

        Assert.Equal(0, app.GetProperty("uid").GetInt32());
        Assert.Equal(WwwData, app.GetProperty("gid").GetInt32());
        Assert.Equal(WwwData, app.GetProperty("egid").GetInt32());
        Assert.Equal(0, app.GetProperty("groups").GetArrayLength());
    }

    [SkippableFact]
    public async Task NumericIdsNeedNoAccount()
    {
        SkipUnlessRootWithSystemPython();
        await using var dram = await StartAsync(["--user", "4242", "--group", "4343"]);

        var app = await AskAppAsync(dram);

        Assert.Equal(4242, app.GetProperty("uid").GetInt32());
        Assert.Equal(4343, app.GetProperty("gid").GetInt32());
        Assert.Contains("Workers run as user 4242, group 4343", dram.Output);
    }

    [SkippableFact]
    public async Task InitgroupsGivesTheUsersSupplementaryGroupsAndTheirAbsenceNone()
    {
        SkipUnlessRootWithSystemPython();
        var member = UnixCredentials.UserWithSupplementaryGroups();
        Skip.If(member is null, "no user in /etc/passwd is a member of a group in /etc/group");
        var (user, supplementary) = member!.Value;

        int[] with, without;
        await using (var dram = await StartAsync(["--user", user, "--initgroups"]))
        {
            with = UnixCredentials.OfProcess(await dram.WorkerPidAsync()).Groups;
        }
        await using (var dram = await StartAsync(["--user", user]))
        {
            without = UnixCredentials.OfProcess(await dram.WorkerPidAsync()).Groups;
        }

        Assert.All(supplementary, gid => Assert.Contains(gid, with));
        Assert.Empty(without);
    }

    [SkippableFact]
    public async Task PidfileStaysTheMastersSoTheAppCannotRewriteIt()
    {
        SkipUnlessRootWithSystemPython();
        using var directory = new TemporaryDirectory("dram-pid-");
        var pidfile = Path.Combine(directory.Path, "dram.pid");
        await using var dram = await StartAsync(["--user", "nobody", "--group", "www-data", "--pid", pidfile]);

        var (uid, gid, _) = await UnixCredentials.OwnerOfAsync(pidfile);

        Assert.Equal((0, 0), (uid, gid));
        Assert.Equal(dram.Pid.ToString(), (await File.ReadAllTextAsync(pidfile)).Trim());
    }

    [SkippableFact]
    public async Task TlsKeyReadableOnlyByRootServesFromWorkersRunningAsNobody()
    {
        SkipUnlessRootWithSystemPython();
        var pki = new TestCertificates();
        await pki.InitializeAsync();
        try
        {
            File.SetUnixFileMode(pki.ServerKey, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            await using var dram = await StartAsync(["--user", "nobody", "--certfile", pki.ServerFullChain, "--keyfile", pki.ServerKey]);

            var app = JsonDocument.Parse(await Curl.GetAsync("--cacert", pki.RootCa, $"https://127.0.0.1:{dram.Port}/")).RootElement;

            Assert.Equal(Nobody, app.GetProperty("uid").GetInt32());
        }
        finally
        {
            await pki.DisposeAsync();
        }
    }

    [SkippableFact]
    public async Task MasterThatIsNotRootRefusesToSwitchAccounts()
    {
        Skip.IfNot(CurrentUser.IsRoot, "starting dram as another account needs root");

        var (exitCode, log) = await RunAsNobodyAsync(["--user", "www-data", "import_error:application"]);

        Assert.True(exitCode == 2, $"exit code {exitCode}:\n{log}");
        Assert.Contains("dram: error: --user www-data: switching the workers' account needs root (dram runs as uid 65534)", log);
    }

    [SkippableFact]
    public async Task MasterAlreadyRunningAsTheAccountHasNothingToSwitch()
    {
        Skip.IfNot(CurrentUser.IsRoot, "starting dram as another account needs root");
        var absent = PythonInterpreters.AbsenceReason(PythonInterpreters.SystemLabel);
        Skip.If(absent is not null, absent);

        // Past the account check, the worker loads the app, which refuses to import: exit 4, not 2.
        var (exitCode, log) = await RunAsNobodyAsync(["--user", "nobody", "--python", PythonInterpreters.SystemPython, "import_error:application"]);

        Assert.True(exitCode == 4, $"exit code {exitCode}:\n{log}");
        Assert.DoesNotContain("Workers run as", log);
        Assert.Contains("RuntimeError: lifecycle test: this app refuses to import", log);
    }

    [Theory]
    [InlineData("--user no-such-user", "--user no-such-user: no such user (check the name with: getent passwd no-such-user)")]
    [InlineData("--group no-such-group", "--group no-such-group: no such group (check the name with: getent group no-such-group)")]
    [InlineData("-u no-such-user -g www-data", "--user no-such-user: no such user")]
    [InlineData("--user 4242", "--user 4242: no account has uid 4242, so its primary group is unknown; give --group too")]
    [InlineData("--initgroups", "--initgroups needs --user")]
    public async Task UnusableAccountIsAUsageErrorNamingIt(string arguments, string expected)
    {
        var (exitCode, log) = await DramProcess.RunToExitAsync(
            [.. arguments.Split(' '), "--bind", $"127.0.0.1:{FreePort.Next()}", "--chdir", Repo.Apps, "account_probe:application"]);

        Assert.Equal(2, exitCode);
        var line = Assert.Single(log.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        Assert.StartsWith($"dram: error: {expected}", line);
    }

    private static void SkipUnlessRootWithSystemPython()
    {
        Skip.IfNot(CurrentUser.IsRoot, "switching the workers' account needs root");
        var absent = PythonInterpreters.AbsenceReason(PythonInterpreters.SystemLabel);
        Skip.If(absent is not null, absent);
    }

    private static Task<DramProcess> StartAsync(IEnumerable<string> args) =>
        DramProcess.StartAsync("account_probe:application", [.. args, "--python", PythonInterpreters.SystemPython]);

    private async Task<JsonElement> AskAppAsync(DramProcess dram)
    {
        output.WriteLine(dram.Output);
        var response = await RawHttpConnection.ExchangeAsync(dram.Port, "GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
        Assert.Equal(200, response.StatusCode);
        return JsonDocument.Parse(response.BodyText).RootElement.Clone();
    }

    private static Task<(int ExitCode, string Output)> RunAsNobodyAsync(IEnumerable<string> args) =>
        ExternalCommand.RunAsync("setpriv",
            ["--reuid=65534", "--regid=65534", "--clear-groups", DramBinary.Path,
             "--bind", $"127.0.0.1:{FreePort.Next()}", "--chdir", Repo.Apps, .. args],
            timeout: TimeSpan.FromSeconds(60));
}
