namespace Dram.Tests.Django;

/// <summary>mysite on a PostgreSQL server started for the class, reached through psycopg2 over a unix socket.</summary>
public sealed class MysiteOnPostgres : ServedMysite
{
    private PostgresServer? _postgres;

    public PostgresServer Postgres => _postgres ?? throw new InvalidOperationException("PostgreSQL is not started");

    protected override HostTool[] Tools => [HostTool.Django, HostTool.Psycopg2, HostTool.PostgreSql];

    protected override async Task<string?> StartDatabaseAsync()
    {
        _postgres = await PostgresServer.StartAsync();
        return _postgres.DatabaseUrl;
    }

    protected override async ValueTask StopDatabaseAsync()
    {
        if (_postgres is not null)
        {
            await _postgres.DisposeAsync();
        }
    }
}
