using System.Security.Cryptography;
using Dram.Tests.Infrastructure;

namespace Dram.Tests.Django;

/// <summary>
/// examples/mysite made ready to serve as a deployment would: its own database (SQLite in a
/// temporary directory, or the PostgreSQL URL given), migrated, static files collected into a
/// temporary STATIC_ROOT, uploads in a temporary MEDIA_ROOT, and a superuser. The project's
/// code is used in place; only the state is per test class.
/// </summary>
public sealed class DjangoSite : IDisposable
{
    public const string AdminUser = "admin";
    public const string App = "mysite.wsgi:application";

    private DjangoSite(string directory, IReadOnlyDictionary<string, string> environment)
    {
        Directory = directory;
        Environment = environment;
    }

    /// <summary>examples/mysite.</summary>
    public static string ProjectDirectory => Path.Combine(Repo.Examples, "mysite");

    /// <summary>The temporary directory holding this site's database, static files and uploads.</summary>
    public string Directory { get; }

    public string StaticRoot => Path.Combine(Directory, "static");

    public string MediaRoot => Path.Combine(Directory, "media");

    /// <summary>The superuser's password, made up for this site.</summary>
    public string AdminPassword { get; } = "pw-" + Convert.ToHexString(RandomNumberGenerator.GetBytes(8));

    /// <summary>What the app and manage.py are run with: settings choice, secret, database and paths.</summary>
    public IReadOnlyDictionary<string, string> Environment { get; }

    /// <summary>
    /// Migrates, collects static files and creates the superuser. <paramref name="djangoEnv"/> picks
    /// mysite's settings ("production" or "development"); <paramref name="databaseUrl"/> defaults to
    /// a new SQLite file.
    /// </summary>
    public static async Task<DjangoSite> CreateAsync(string djangoEnv = "production", string? databaseUrl = null)
    {
        var directory = System.IO.Directory.CreateTempSubdirectory("dram-mysite-").FullName;
        var environment = new Dictionary<string, string>
        {
            ["DJANGO_ENV"] = djangoEnv,
            ["DJANGO_SECRET_KEY"] = Convert.ToHexString(RandomNumberGenerator.GetBytes(32)),
            ["DJANGO_ALLOWED_HOSTS"] = "127.0.0.1,localhost",
            ["DJANGO_STATIC_ROOT"] = Path.Combine(directory, "static"),
            ["DJANGO_MEDIA_ROOT"] = Path.Combine(directory, "media"),
            ["DATABASE_URL"] = databaseUrl ?? "sqlite:///" + Path.Combine(directory, "db.sqlite3"),
        };
        var site = new DjangoSite(directory, environment);
        try
        {
            await site.ManageAsync("migrate", "--noinput");
            await site.ManageAsync("collectstatic", "--noinput");
            await site.ManageAsync(new Dictionary<string, string>
            {
                ["DJANGO_SUPERUSER_USERNAME"] = AdminUser,
                ["DJANGO_SUPERUSER_PASSWORD"] = site.AdminPassword,
                ["DJANGO_SUPERUSER_EMAIL"] = "admin@example.com",
            }, "createsuperuser", "--noinput");
        }
        catch
        {
            site.Dispose();
            throw;
        }
        return site;
    }

    /// <summary>Runs <c>manage.py</c> with this site's environment; throws with its output if it fails.</summary>
    public Task<string> ManageAsync(params string[] args) => ManageAsync(new Dictionary<string, string>(), args);

    public Task<string> ManageAsync(IDictionary<string, string> extraEnvironment, params string[] args)
    {
        var environment = new Dictionary<string, string>(Environment);
        foreach (var (key, value) in extraEnvironment)
        {
            environment[key] = value;
        }
        return ExternalCommand.RunCheckedAsync(HostTool.Django.Path, ["manage.py", .. args], environment, ProjectDirectory);
    }

    /// <summary>
    /// Starts Dram on the project's stock wsgi.py (or <paramref name="app"/>) with Debian's
    /// interpreter and this site's environment (or <paramref name="environment"/>), as a deployment runs it.
    /// </summary>
    public Task<DramProcess> StartDramAsync(IEnumerable<string>? args = null, string app = App, IReadOnlyDictionary<string, string>? environment = null) =>
        DramProcess.StartAsync(app, ["--python", HostTool.Django.Path, "--chdir", ProjectDirectory, .. args ?? []],
            new Dictionary<string, string>(environment ?? Environment));

    public void Dispose()
    {
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
