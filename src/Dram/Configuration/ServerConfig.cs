using System.Globalization;

namespace Dram.Configuration;

/// <summary>The effective settings of one run, as the server uses them (see <see cref="EffectiveSettings"/> for where they came from).</summary>
public sealed class ServerConfig
{
    public required string AppModule { get; init; }
    public required IReadOnlyList<BindAddress> Binds { get; init; }
    public required int Threads { get; init; }
    public required string Chdir { get; init; }
    public required IReadOnlyList<string> PythonPath { get; init; }
    public required IReadOnlyList<KeyValuePair<string, string>> Environment { get; init; }
    public required string LogLevel { get; init; }
    public string? Python { get; init; }
    public required string RootPath { get; init; }
    public required int GracefulTimeout { get; init; }
    public required int KeepAlive { get; init; }
    public required int Workers { get; init; }
    public required int Timeout { get; init; }
    public required int MaxRequests { get; init; }
    public required int MaxRequestsJitter { get; init; }
    public required int MaxWorkerMemoryMb { get; init; }
    public required int MaxWorkerLifetime { get; init; }
    public required int Backlog { get; init; }
    public string? Pidfile { get; init; }
    public int Umask { get; init; }
    public required IReadOnlyList<StaticMapping> StaticMaps { get; init; }
    public required Dram.Wsgi.ForwardedTrust Forwarded { get; init; }

    /// <summary>Settings given that this version accepts but does not act on yet, for the start-up warning.</summary>
    public required IReadOnlyList<string> Unsupported { get; init; }

    /// <summary>Where the settings came from: what was read, in the master; what it handed over, in a worker.</summary>
    public required EffectiveSettings Resolved { get; init; }

    /// <summary>The config file read (an absolute path or python:MODULE), or null.</summary>
    public string? ConfigFile { get; init; }

    public static ServerConfig From(EffectiveSettings settings)
    {
        if (settings.Get(Settings.WsgiApp) is not { } appModule)
        {
            throw new UsageException("no APP_MODULE given (nor wsgi_app in a config file); e.g. dram mysite.wsgi:application (see dram --help)");
        }

        var binds = (settings.Has(Settings.Bind) ? settings.GetAll(Settings.Bind) : [Settings.Bind.Default!])
            .Select(BindAddress.Parse).ToList();
        var chdir = Path.GetFullPath(settings.Get(Settings.Chdir) ?? Directory.GetCurrentDirectory());
        var pythonPath = (settings.Get(Settings.PythonPath) ?? "")
            .Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(p => Path.GetFullPath(p, chdir))
            .ToList();
        var env = settings.GetAll(Settings.RawEnv)
            .Select(e => new KeyValuePair<string, string>(e[..e.IndexOf('=')], e[(e.IndexOf('=') + 1)..]))
            .ToList();
        var python = settings.Get(Settings.Python);

        return new ServerConfig
        {
            AppModule = appModule,
            Binds = binds,
            Threads = Int(settings, Settings.Threads),
            Chdir = chdir,
            PythonPath = pythonPath,
            Environment = env,
            LogLevel = settings.Get(Settings.LogLevel) ?? Settings.LogLevel.Default!,
            // A path is taken from where dram was started, as the shell completed it, not from --chdir;
            // a bare name (python3.12) is looked up on PATH.
            Python = python is not null && python.Contains('/') ? Path.GetFullPath(python) : python,
            RootPath = settings.Get(Settings.RootPath) ?? "",
            GracefulTimeout = Int(settings, Settings.GracefulTimeout),
            KeepAlive = Int(settings, Settings.KeepAlive),
            Workers = Int(settings, Settings.Workers),
            Timeout = Int(settings, Settings.Timeout),
            MaxRequests = Int(settings, Settings.MaxRequests),
            MaxRequestsJitter = Int(settings, Settings.MaxRequestsJitter),
            MaxWorkerMemoryMb = Int(settings, Settings.MaxWorkerMemory),
            MaxWorkerLifetime = Int(settings, Settings.MaxWorkerLifetime),
            Backlog = Int(settings, Settings.Backlog),
            Pidfile = settings.Get(Settings.Pidfile) is { } pid ? Path.GetFullPath(pid) : null,
            Umask = UmaskValue.TryParse(settings.Get(Settings.Umask) ?? Settings.Umask.Default!, out var umask) ? umask : 0,
            StaticMaps = settings.GetAll(Settings.StaticMap).Select(m => StaticMapping.Parse(m, chdir)).ToList(),
            Forwarded = ParseForwarded(settings),
            Unsupported = settings.Unsupported,
            Resolved = settings,
            ConfigFile = settings.Get(Settings.Config),
        };
    }

    private static Dram.Wsgi.ForwardedTrust ParseForwarded(EffectiveSettings settings)
    {
        var text = settings.Get(Settings.ForwardedAllowIps) ?? Settings.ForwardedAllowIps.Default!;
        try
        {
            return Dram.Wsgi.ForwardedTrust.Parse(text, trustUnixSockets: true);
        }
        catch (FormatException e)
        {
            throw new UsageException($"forwarded-allow-ips {text}: {e.Message}");
        }
    }

    private static int Int(EffectiveSettings settings, Setting setting) =>
        int.Parse(settings.Get(setting) ?? setting.Default!, CultureInfo.InvariantCulture);
}
