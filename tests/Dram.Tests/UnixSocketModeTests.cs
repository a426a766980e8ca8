using Dram.Tests.Infrastructure;

namespace Dram.Tests;

/// <summary>
/// The mode of a unix socket file Dram binds follows --umask (default 0, as Gunicorn): nginx running
/// as another user must be able to connect without extra steps.
/// </summary>
public sealed class UnixSocketModeTests
{
    [Theory]
    [InlineData(null, "rwxrwxrwx")]
    [InlineData("007", "rwxrwx---")]
    [InlineData("0o77", "rwx------")]
    public async Task SocketFileModeFollowsUmask(string? umask, string expected)
    {
        var path = Path.Combine(Path.GetTempPath(), $"dram-mode-{Guid.NewGuid():N}.sock");
        List<string> args = ["--bind", $"unix:{path}"];
        if (umask is not null)
        {
            args.AddRange(["--umask", umask]);
        }
        await using (var dram = await DramProcess.StartAsync("lifecycle:application", args))
        {
            var mode = File.GetUnixFileMode(path);
            Assert.Equal(expected, Render(mode));
        }
        Assert.False(File.Exists(path), "the socket file is removed when dram stops");
    }

    [SkippableFact]
    public async Task SocketFileBelongsToTheWorkersAccountAndOnlyItsGroupMayConnect()
    {
        Skip.IfNot(CurrentUser.IsRoot, "handing the socket file to another account needs root");
        var absent = PythonInterpreters.AbsenceReason(PythonInterpreters.SystemLabel);
        Skip.If(absent is not null, absent);
        using var directory = new TemporaryDirectory("dram-owner-");
        File.SetUnixFileMode(directory.Path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
            | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute);
        var path = Path.Combine(directory.Path, "app.sock");

        await using var dram = await DramProcess.StartAsync("lifecycle:application",
            ["--bind", $"unix:{path}", "--umask", "007", "--user", "nobody", "--group", "www-data", "--python", PythonInterpreters.SystemPython]);
        var (uid, gid, mode) = await UnixCredentials.OwnerOfAsync(path);
        // www-data (the group) may connect, as nginx would; daemon (uid 1, in neither) may not.
        var asGroup = await ConnectAsAsync("33", path);
        var asOther = await ConnectAsAsync("1", path);

        Assert.Equal((65534, 33, "770"), (uid, gid, mode));
        Assert.True(asGroup.ExitCode == 0 && asGroup.Output.StartsWith("pid="), $"www-data could not connect: {asGroup.Output}");
        Assert.Equal(7, asOther.ExitCode);
    }

    private static Task<(int ExitCode, string Output)> ConnectAsAsync(string id, string socket) =>
        ExternalCommand.RunAsync("setpriv", [$"--reuid={id}", $"--regid={id}", "--clear-groups", "curl", "-sS", "--max-time", "30", "--unix-socket", socket, "http://localhost/"]);

    [Fact]
    public async Task AnUmaskThatIsNotANumberIsAUsageError()
    {
        var (exitCode, output) = await DramProcess.RunToExitAsync(["--umask", "rw", "--chdir", Repo.Apps, "lifecycle:application"]);

        Assert.Equal(2, exitCode);
        Assert.Contains("--umask rw", output);
    }

    private static string Render(UnixFileMode mode)
    {
        var bits = new[]
        {
            (UnixFileMode.UserRead, 'r'), (UnixFileMode.UserWrite, 'w'), (UnixFileMode.UserExecute, 'x'),
            (UnixFileMode.GroupRead, 'r'), (UnixFileMode.GroupWrite, 'w'), (UnixFileMode.GroupExecute, 'x'),
            (UnixFileMode.OtherRead, 'r'), (UnixFileMode.OtherWrite, 'w'), (UnixFileMode.OtherExecute, 'x'),
        };
        return new string(bits.Select(b => mode.HasFlag(b.Item1) ? b.Item2 : '-').ToArray());
    }
}
