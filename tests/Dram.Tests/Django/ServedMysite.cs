using Dram.Tests.Infrastructure;

namespace Dram.Tests.Django;

/// <summary>
/// examples/mysite with production settings served by Dram for one test class (a class fixture):
/// its own migrated database, collected static files mapped with --static-map, two Python
/// threads. When a tool it needs is missing it starts nothing and <see cref="SkipReason"/> says why.
/// </summary>
public abstract class ServedMysite : IAsyncLifetime
{
    private DjangoSite? _site;
    private DramProcess? _dram;

    /// <summary>Why the tests cannot run here, or null.</summary>
    public string? SkipReason { get; private set; }

    public DjangoSite Site => _site ?? throw new InvalidOperationException("the site is not prepared");

    public DramProcess Dram => _dram ?? throw new InvalidOperationException("dram is not started");

    protected abstract HostTool[] Tools { get; }

    /// <summary>The app Dram serves (the stock wsgi.py unless overridden).</summary>
    protected virtual string App => DjangoSite.App;

    /// <summary>Starts the database when it is a server; returns its DATABASE_URL (null: SQLite).</summary>
    protected virtual Task<string?> StartDatabaseAsync() => Task.FromResult<string?>(null);

    protected virtual ValueTask StopDatabaseAsync() => ValueTask.CompletedTask;

    /// <summary>A client that talks to Dram as nginx would after TLS (X-Forwarded-Proto: https).</summary>
    public DjangoClient NewClient() => DjangoClient.ToDram(Dram.Port, forwardedHttps: true);

    public async Task InitializeAsync()
    {
        SkipReason = HostTool.MissingAny(Tools);
        if (SkipReason is not null)
        {
            return;
        }
        var databaseUrl = await StartDatabaseAsync();
        _site = await DjangoSite.CreateAsync("production", databaseUrl);
        _dram = await _site.StartDramAsync(["--threads", "2", "--static-map", $"/static={_site.StaticRoot}"], App);
    }

    public async Task DisposeAsync()
    {
        if (_dram is not null)
        {
            await _dram.DisposeAsync();
        }
        _site?.Dispose();
        await StopDatabaseAsync();
    }
}
