using System.Net;

namespace Dram.Tests.Django;

/// <summary>mysite's pages through Dram on a real PostgreSQL server.</summary>
public sealed class DjangoOnPostgresTests(MysiteOnPostgres served) : DjangoPagesContract(served), IClassFixture<MysiteOnPostgres>
{
    [SkippableFact]
    public async Task NotesWrittenThroughTheSiteAreRowsInPostgreSql()
    {
        using var client = NewClient();
        var title = "In PostgreSQL " + Guid.NewGuid().ToString("N");

        using var posted = await client.PostFormAsync("/notes/new/", [new("title", title)]);

        Assert.Equal(HttpStatusCode.Found, posted.StatusCode);
        var rows = await served.Postgres.QueryAsync($"SELECT title FROM notes_note WHERE title = '{title}'");
        Assert.Equal(title, rows.Trim());
    }

    [SkippableFact]
    public async Task LibpqVariablesWithoutDatabaseUrlReachTheSameDatabase()
    {
        using var client = NewClient();
        var title = "Seen through PG* " + Guid.NewGuid().ToString("N");
        using (var posted = await client.PostFormAsync("/notes/new/", [new("title", title)]))
        {
            Assert.Equal(HttpStatusCode.Found, posted.StatusCode);
        }
        var environment = served.Site.Environment.Where(e => e.Key != "DATABASE_URL").ToDictionary();
        environment["PGDATABASE"] = PostgresServer.Database;
        environment["PGHOST"] = served.Postgres.SocketDirectory;
        environment["PGUSER"] = PostgresServer.User;

        await using var second = await served.Site.StartDramAsync(environment: environment);
        using var secondClient = DjangoClient.ToDram(second.Port, forwardedHttps: true);

        Assert.Contains(title, await secondClient.GetPageAsync("/api/notes/"));
    }
}
