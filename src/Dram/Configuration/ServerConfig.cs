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
    public required Dram.Wsgi.SecureSchemeHeaders SecureSchemeHeaders { get; init; }
    public bool ProxyProtocol { get; init; }
    public required Dram.Wsgi.ForwardedTrust ProxyAllowFrom { get; init; }

    /// <summary>--proxy-allow-from as given, for the log line of a refused peer.</summary>
    public required string ProxyAllowFromText { get; init; }

    public required RequestLimits Limits { get; init; }

    /// <summary>TLS on TCP binds (--certfile and companions), or null for plain HTTP.</summary>
    public TlsSettings? Tls { get; init; }

    /// <summary>Cleartext binds also accept HTTP/2 with prior knowledge (--http2-cleartext).</summary>
    public bool Http2Cleartext { get; init; }

    /// <summary>The account workers switch to (--user, --group), or null to stay as started.</summary>
    public Dram.Security.WorkerAccount? WorkerAccount { get; init; }
    /// <summary>Where the master serves Prometheus metrics (<c>--metrics-bind</c>), or null.</summary>
    public BindAddress? MetricsBind { get; init; }

    /// <summary>The StatsD server (<c>--statsd-host</c>), or null.</summary>
    public System.Net.IPEndPoint? StatsdHost { get; init; }

    /// <summary><c>--statsd-prefix</c> with its trailing dot, or "".</summary>
    public string StatsdPrefix { get; init; } = "";

    public bool Reload { get; init; }
    public ReloadEngineKind ReloadEngine { get; init; }

    /// <summary><c>--reload-extra-file</c>s, as absolute paths.</summary>
    public IReadOnlyList<string> ReloadExtraFiles { get; init; } = [];
    /// <summary>The access log's full path, "-" for stdout, or null when there is none.</summary>
    public string? AccessLog { get; init; }

    public string AccessLogFormat { get; init; } = Dram.Wsgi.Logs.AccessLogFormat.Default;

    public bool AccessLogJson { get; init; }

    /// <summary>The error log's full path, or "-" for stderr.</summary>
    public string ErrorLog { get; init; } = "-";

    /// <summary>The app's stdout and stderr go to the error log file (meaningless with stderr).</summary>
    public bool CaptureOutput { get; init; }

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

        var metricsBind = settings.Get(Settings.MetricsBind) is { } metrics ? MetricsAddress.Parse(metrics) : null;
        if (metricsBind is not null)
        {
            MetricsAddress.CheckDistinct(metricsBind, binds);
        }
        // As Gunicorn: "mysite", "mysite." and "mysite.." all name metrics mysite.gunicorn.*.
        var statsdPrefix = (settings.Get(Settings.StatsdPrefix) ?? "").TrimEnd('.');
        statsdPrefix = statsdPrefix.Length > 0 ? statsdPrefix + "." : "";
        if (settings.Has(Settings.ProxyProtocol) && settings.Has(Settings.Http2Cleartext))
        {
            // h2c connections are told apart by their first bytes, which a PROXY header would be.
            throw new UsageException("--proxy-protocol and --http2-cleartext cannot be used together: a connection's first bytes are either a PROXY header or the HTTP/2 preface; drop one of them (TLS binds get HTTP/2 by ALPN with --proxy-protocol)");
        }
        var accessLog = LogPath(settings, Settings.AccessLog);
        if (settings.Has(Settings.AccessLogJson) && accessLog is null)
        {
            throw new UsageException("--access-log-json formats access log lines, but there is no access log: add --access-logfile FILE (or - for stdout)");
        }
        if (settings.Has(Settings.AccessLogJson) && settings.Has(Settings.AccessLogFormat))
        {
            throw new UsageException("--access-log-json and --access-logformat both say what an access log line looks like; keep one of them");
        }

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
            Tls = TlsSettings.From(settings, binds),
            Http2Cleartext = settings.Has(Settings.Http2Cleartext),
            WorkerAccount = Dram.Security.WorkerAccount.From(settings.Get(Settings.User), settings.Get(Settings.Group), settings.Has(Settings.Initgroups)),
            AccessLog = accessLog,
            AccessLogFormat = settings.Get(Settings.AccessLogFormat) ?? Settings.AccessLogFormat.Default!,
            AccessLogJson = settings.Has(Settings.AccessLogJson),
            ErrorLog = LogPath(settings, Settings.ErrorLog) ?? "-",
            CaptureOutput = settings.Has(Settings.CaptureOutput),
            SecureSchemeHeaders = Dram.Wsgi.SecureSchemeHeaders.Parse(settings.Get(Settings.SecureSchemeHeaders) ?? Settings.SecureSchemeHeaders.Default!),
            ProxyProtocol = settings.Has(Settings.ProxyProtocol),
            ProxyAllowFrom = Dram.Wsgi.ForwardedTrust.Parse(settings.Get(Settings.ProxyAllowFrom) ?? Settings.ProxyAllowFrom.Default!, trustUnixSockets: true),
            ProxyAllowFromText = settings.Get(Settings.ProxyAllowFrom) ?? Settings.ProxyAllowFrom.Default!,
            Limits = new RequestLimits(Int(settings, Settings.LimitRequestLine), Int(settings, Settings.LimitRequestFields), Int(settings, Settings.LimitRequestFieldSize),
                long.Parse(settings.Get(Settings.LimitRequestBody) ?? Settings.LimitRequestBody.Default!, CultureInfo.InvariantCulture)),
            MetricsBind = metricsBind,
            StatsdHost = settings.Get(Settings.StatsdHost) is { } statsd ? StatsdAddress.Parse(statsd) : null,
            StatsdPrefix = statsdPrefix,
            Reload = settings.Has(Settings.Reload),
            ReloadEngine = ReloadEngineKinds.TryParse(settings.Get(Settings.ReloadEngine) ?? Settings.ReloadEngine.Default!, out var engine) ? engine : ReloadEngineKind.Auto,
            ReloadExtraFiles = settings.GetAll(Settings.ReloadExtraFiles).Select(Path.GetFullPath).ToList(),
            Unsupported = settings.Unsupported,
            Resolved = settings,
            ConfigFile = settings.Get(Settings.Config),
        };
    }

    /// <summary>
    /// A log setting's file as a full path (relative paths are taken from where dram was started),
    /// checked by opening it for appending as the server will; "-" and null pass through.
    /// </summary>
    private static string? LogPath(EffectiveSettings settings, Setting setting)
    {
        var value = settings.Get(setting);
        if (value is null or "-")
        {
            return value;
        }
        var full = Path.GetFullPath(value);
        if (Dram.Wsgi.Logs.LogFile.Problem(full) is { } problem)
        {
            throw new UsageException($"{string.Join("/", setting.Flags)} {value}: cannot open {full} for appending ({problem}); create its directory, or name a file the user running dram may write to");
        }
        return full;
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
