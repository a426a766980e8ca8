using Dram.Tests.Infrastructure;

namespace Dram.Tests.Django;

/// <summary>
/// examples/mysite (production settings unless a subclass says otherwise) served by Dram for one test class (a class fixture):
/// its own migrated database and collected static files, two Python threads. By default Dram
/// listens on 127.0.0.1 and maps /static with --static-map. When a tool it needs is missing it
/// starts nothing and <see cref="SkipReason"/> says why.
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

    /// <summary>mysite's settings: production unless overridden.</summary>
    protected virtual string DjangoEnv => "production";

    /// <summary>The app Dram serves (the stock wsgi.py unless overridden).</summary>
    protected virtual string App => DjangoSite.App;

    /// <summary>Dram's arguments besides --python, --chdir and the app.</summary>
    protected virtual IEnumerable<string> DramArgs(DjangoSite site) => ["--threads", "2", "--static-map", $"/static={site.StaticRoot}"];

    /// <summary>Starts the database when it is a server; returns its DATABASE_URL (null: SQLite).</summary>
    protected virtual Task<string?> StartDatabaseAsync() => Task.FromResult<string?>(null);

    /// <summary>Starts what stands in front of Dram, once it serves.</summary>
    protected virtual Task StartFrontAsync() => Task.CompletedTask;

    /// <summary>Stops what <see cref="StartFrontAsync"/> started (before Dram stops).</summary>
    protected virtual ValueTask StopFrontAsync() => ValueTask.CompletedTask;

    /// <summary>Stops what <see cref="StartDatabaseAsync"/> started (after Dram stopped).</summary>
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
        _site = await DjangoSite.CreateAsync(DjangoEnv, databaseUrl);
        _dram = await _site.StartDramAsync(DramArgs(_site), App);
        await StartFrontAsync();
    }

    public async Task DisposeAsync()
    {
        await StopFrontAsync();
        if (_dram is not null)
        {
            await _dram.DisposeAsync();
        }
        await StopDatabaseAsync();
        _site?.Dispose();
    }
}
