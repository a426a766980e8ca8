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
