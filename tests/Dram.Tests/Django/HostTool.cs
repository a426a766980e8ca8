namespace Dram.Tests.Django;

/// <summary>
/// A program from Debian that a Django deployment test drives for real. scripts/install-deps.sh
/// --tests installs them all; a test whose tool is missing is skipped with the reason.
/// </summary>
public sealed class HostTool
{
    private readonly Func<string?> _find;

    private HostTool(string name, string package, Func<string?> find)
    {
        Name = name;
        Package = package;
        _find = find;
    }

    public string Name { get; }

    public string Package { get; }

    /// <summary>The program's path (for PostgreSQL: its bin directory); throws if it is missing.</summary>
    public string Path => _find() ?? throw new InvalidOperationException(MissingReason);

    public bool IsAvailable => _find() is not null;

    public string MissingReason => $"{Name} is not installed (apt-get install {Package}, or scripts/install-deps.sh --tests)";

    /// <summary>Debian's interpreter with its python3-django (python3 on PATH may be another one).</summary>
    public static HostTool Django { get; } = new("Django for /usr/bin/python3", "python3-django",
        () => File.Exists("/usr/bin/python3") && Directory.Exists("/usr/lib/python3/dist-packages/django") ? "/usr/bin/python3" : null);

    public static HostTool Psycopg2 { get; } = new("psycopg2 for /usr/bin/python3", "python3-psycopg2",
        () => Directory.Exists("/usr/lib/python3/dist-packages/psycopg2") ? "/usr/lib/python3/dist-packages/psycopg2" : null);

    /// <summary>Debian keeps initdb and pg_ctl out of PATH, in /usr/lib/postgresql/VERSION/bin.</summary>
    public static HostTool PostgreSql { get; } = new("PostgreSQL (initdb, pg_ctl)", "postgresql", FindPostgreSqlBin);

    public static HostTool Nginx { get; } = new("nginx", "nginx", () => Existing("/usr/sbin/nginx"));

    public static HostTool SocketActivate { get; } = new("systemd-socket-activate", "systemd", () => Existing("/usr/bin/systemd-socket-activate"));

    public static HostTool Chromium { get; } = new("Chromium", "chromium", () => Existing("/usr/bin/chromium"));

    public static HostTool HAProxy { get; } = new("HAProxy", "haproxy", () => Existing("/usr/sbin/haproxy"));

    /// <summary>nginx's stream module (TCP proxying with proxy_protocol), loaded with load_module.</summary>
    public static HostTool NginxStream { get; } = new("nginx's stream module", "libnginx-mod-stream", () => Existing("/usr/lib/nginx/modules/ngx_stream_module.so"));

    /// <summary>Debian's Gunicorn, to compare Dram's answers with the server it replaces.</summary>
    public static HostTool Gunicorn { get; } = new("Gunicorn", "gunicorn", () => Existing("/usr/bin/gunicorn"));

    /// <summary>The reason to skip when any of <paramref name="tools"/> is missing, else null.</summary>
    public static string? MissingAny(params HostTool[] tools)
    {
        var missing = tools.Where(t => !t.IsAvailable).Select(t => t.MissingReason).ToList();
        return missing.Count == 0 ? null : string.Join("; ", missing);
    }

    private static string? Existing(string path) => File.Exists(path) ? path : null;

    private static string? FindPostgreSqlBin()
    {
        if (!Directory.Exists("/usr/lib/postgresql"))
        {
            return null;
        }
        return Directory.GetDirectories("/usr/lib/postgresql")
            .Select(d => System.IO.Path.Combine(d, "bin"))
            .Where(bin => File.Exists(System.IO.Path.Combine(bin, "initdb")) && File.Exists(System.IO.Path.Combine(bin, "pg_ctl")))
            .OrderByDescending(bin => double.TryParse(System.IO.Path.GetFileName(System.IO.Path.GetDirectoryName(bin)),
                System.Globalization.CultureInfo.InvariantCulture, out var version) ? version : 0)
            .FirstOrDefault();
    }
}
