using Dram.Tests.Infrastructure;

namespace Dram.Tests.Django;

/// <summary>
/// A throwaway PostgreSQL cluster from Debian's binaries: initdb into a temporary directory,
/// listening only on a unix socket in that directory (no TCP port to collide on), trust
/// authentication for the role <see cref="User"/>, one database <see cref="Database"/>.
/// PostgreSQL refuses to run as root, so under root it runs as the postgres account.
/// </summary>
public sealed class PostgresServer : IAsyncDisposable
{
    public const string User = "dram";
    public const string Database = "mysite";

    private readonly string _bin;
    private readonly string _directory;

    private PostgresServer(string bin, string directory)
    {
        _bin = bin;
        _directory = directory;
    }

    /// <summary>The directory holding the server's socket (.s.PGSQL.5432); libpq's "host".</summary>
    public string SocketDirectory => _directory;

    private string DataDirectory => Path.Combine(_directory, "data");

    /// <summary>mysite's DATABASE_URL for this server: the socket directory, percent-encoded, as the host.</summary>
    public string DatabaseUrl => $"postgres://{User}@{Uri.EscapeDataString(SocketDirectory)}/{Database}";

    public static async Task<PostgresServer> StartAsync()
    {
        var bin = HostTool.PostgreSql.Path;
        var directory = Path.Combine(Path.GetTempPath(), "dram-pg-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(directory);
        File.SetUnixFileMode(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
            | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
        if (CurrentUser.IsRoot)
        {
            await ExternalCommand.RunCheckedAsync("chown", ["postgres:postgres", directory]);
        }
        var server = new PostgresServer(bin, directory);
        try
        {
            await server.AsServerUserAsync("initdb", "-D", server.DataDirectory, "-U", User, "--auth=trust", "--encoding=UTF8", "--no-locale", "--no-sync");
            await server.AsServerUserAsync("pg_ctl", "-D", server.DataDirectory, "-l", Path.Combine(directory, "server.log"), "-w", "-t", "60",
                "-o", $"-c listen_addresses='' -k {directory} -c fsync=off", "start");
            await ExternalCommand.RunCheckedAsync(Path.Combine(bin, "createdb"), ["-h", directory, "-U", User, Database]);
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
        return server;
    }

    /// <summary>Runs an SQL statement with psql and returns its unaligned, tuples-only output.</summary>
    public Task<string> QueryAsync(string sql) =>
        ExternalCommand.RunCheckedAsync(Path.Combine(_bin, "psql"), ["-h", SocketDirectory, "-U", User, "-d", Database, "-X", "-A", "-t", "-c", sql]);

    public async ValueTask DisposeAsync()
    {
        if (File.Exists(Path.Combine(DataDirectory, "postmaster.pid")))
        {
            await ExternalCommand.RunAsync(AsServerUser("pg_ctl").File, [.. AsServerUser("pg_ctl").Prefix, "-D", DataDirectory, "-m", "fast", "-w", "stop"]);
        }
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private Task<string> AsServerUserAsync(string program, params string[] args)
    {
        var (file, prefix) = AsServerUser(program);
        return ExternalCommand.RunCheckedAsync(file, [.. prefix, .. args], workingDirectory: _directory);
    }

    /// <summary>The command line that runs a PostgreSQL program as the account that may run the server.</summary>
    private (string File, string[] Prefix) AsServerUser(string program)
    {
        var path = Path.Combine(_bin, program);
        return CurrentUser.IsRoot ? ("runuser", ["-u", "postgres", "--", path]) : (path, []);
    }
}
