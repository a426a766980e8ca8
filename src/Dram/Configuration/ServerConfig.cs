using System.Globalization;

namespace Dram.Configuration;

/// <summary>The effective settings of one run, resolved from the command line and the environment.</summary>
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

    public static ServerConfig From(CommandLine line)
    {
        if (line.AppModule is null)
        {
            throw new UsageException("no APP_MODULE given; e.g. dram mysite.wsgi:application (see dram --help)");
        }

        var binds = line.GetAll(Settings.Bind).Select(BindAddress.Parse).ToList();
        if (binds.Count == 0)
        {
            var port = System.Environment.GetEnvironmentVariable("PORT");
            binds.Add(BindAddress.Parse(!string.IsNullOrEmpty(port) && int.TryParse(port, out _) ? $"0.0.0.0:{port}" : Settings.Bind.Default!));
        }

        var chdir = Path.GetFullPath(line.Get(Settings.Chdir) ?? Directory.GetCurrentDirectory());
        var pythonPath = (line.Get(Settings.PythonPath) ?? "")
            .Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(p => Path.GetFullPath(p, chdir))
            .ToList();
        var env = line.GetAll(Settings.RawEnv)
            .Select(e => new KeyValuePair<string, string>(e[..e.IndexOf('=')], e[(e.IndexOf('=') + 1)..]))
            .ToList();
        var rootPath = line.Get(Settings.RootPath) ?? System.Environment.GetEnvironmentVariable("SCRIPT_NAME") ?? "";
        rootPath = rootPath.TrimEnd('/');
        if (rootPath.Length > 0 && !rootPath.StartsWith('/'))
        {
            throw new UsageException($"SCRIPT_NAME '{rootPath}' must start with '/', e.g. /app");
        }

        var unsupported = line.Ignored.Select(flag => $"{flag} (a Gunicorn setting Dram does not act on yet)").ToList();
        var workers = Int(line, Settings.Workers);
        if (!line.Has(Settings.Workers) && System.Environment.GetEnvironmentVariable("WEB_CONCURRENCY") is { Length: > 0 } concurrency)
        {
            if (!int.TryParse(concurrency, NumberStyles.None, CultureInfo.InvariantCulture, out workers) || workers < 1 || workers > 512)
            {
                throw new UsageException($"WEB_CONCURRENCY={concurrency}: the number of workers must be between 1 and 512");
            }
        }

        var metricsBind = line.Get(Settings.MetricsBind) is { } metrics ? MetricsAddress.Parse(metrics) : null;
        if (metricsBind is not null)
        {
            MetricsAddress.CheckDistinct(metricsBind, binds);
        }
        // As Gunicorn: "mysite", "mysite." and "mysite.." all name metrics mysite.gunicorn.*.
        var statsdPrefix = (line.Get(Settings.StatsdPrefix) ?? "").TrimEnd('.');
        statsdPrefix = statsdPrefix.Length > 0 ? statsdPrefix + "." : "";
        if (line.Has(Settings.ProxyProtocol) && line.Has(Settings.Http2Cleartext))
        {
            // h2c connections are told apart by their first bytes, which a PROXY header would be.
            throw new UsageException("--proxy-protocol and --http2-cleartext cannot be used together: a connection's first bytes are either a PROXY header or the HTTP/2 preface; drop one of them (TLS binds get HTTP/2 by ALPN with --proxy-protocol)");
        }
        var accessLog = LogPath(line, Settings.AccessLog);
        if (line.Has(Settings.AccessLogJson) && accessLog is null)
        {
            throw new UsageException("--access-log-json formats access log lines, but there is no access log: add --access-logfile FILE (or - for stdout)");
        }
        if (line.Has(Settings.AccessLogJson) && line.Has(Settings.AccessLogFormat))
        {
            throw new UsageException("--access-log-json and --access-logformat both say what an access log line looks like; keep one of them");
        }

        return new ServerConfig
        {
            AppModule = line.AppModule,
            Binds = binds,
            Threads = Int(line, Settings.Threads),
            Chdir = chdir,
            PythonPath = pythonPath,
            Environment = env,
            LogLevel = line.Get(Settings.LogLevel) ?? Settings.LogLevel.Default!,
            // A path is taken from where dram was started, as the shell completed it, not from --chdir;
            // a bare name (python3.12) is looked up on PATH.
            Python = line.Get(Settings.Python) is { } python && python.Contains('/') ? Path.GetFullPath(python) : line.Get(Settings.Python),
            RootPath = rootPath,
            GracefulTimeout = Int(line, Settings.GracefulTimeout),
            KeepAlive = Int(line, Settings.KeepAlive),
            Workers = workers,
            Timeout = Int(line, Settings.Timeout),
            MaxRequests = Int(line, Settings.MaxRequests),
            MaxRequestsJitter = Int(line, Settings.MaxRequestsJitter),
            MaxWorkerMemoryMb = Int(line, Settings.MaxWorkerMemory),
            MaxWorkerLifetime = Int(line, Settings.MaxWorkerLifetime),
            Backlog = Int(line, Settings.Backlog),
            Pidfile = line.Get(Settings.Pidfile) is { } pid ? Path.GetFullPath(pid) : null,
            Umask = UmaskValue.TryParse(line.Get(Settings.Umask) ?? Settings.Umask.Default!, out var umask) ? umask : 0,
            StaticMaps = line.GetAll(Settings.StaticMap).Select(m => StaticMapping.Parse(m, chdir)).ToList(),
            Forwarded = ParseForwarded(line),
            Tls = TlsSettings.From(line, binds),
            Http2Cleartext = line.Has(Settings.Http2Cleartext),
            WorkerAccount = Dram.Security.WorkerAccount.From(line.Get(Settings.User), line.Get(Settings.Group), line.Has(Settings.Initgroups)),
            AccessLog = accessLog,
            AccessLogFormat = line.Get(Settings.AccessLogFormat) ?? Settings.AccessLogFormat.Default!,
            AccessLogJson = line.Has(Settings.AccessLogJson),
            ErrorLog = LogPath(line, Settings.ErrorLog) ?? "-",
            CaptureOutput = line.Has(Settings.CaptureOutput),
            SecureSchemeHeaders = Dram.Wsgi.SecureSchemeHeaders.Parse(line.Get(Settings.SecureSchemeHeaders) ?? Settings.SecureSchemeHeaders.Default!),
            ProxyProtocol = line.Has(Settings.ProxyProtocol),
            ProxyAllowFrom = Dram.Wsgi.ForwardedTrust.Parse(line.Get(Settings.ProxyAllowFrom) ?? Settings.ProxyAllowFrom.Default!, trustUnixSockets: true),
            ProxyAllowFromText = line.Get(Settings.ProxyAllowFrom) ?? Settings.ProxyAllowFrom.Default!,
            Limits = new RequestLimits(Int(line, Settings.LimitRequestLine), Int(line, Settings.LimitRequestFields), Int(line, Settings.LimitRequestFieldSize),
                long.Parse(line.Get(Settings.LimitRequestBody) ?? Settings.LimitRequestBody.Default!, CultureInfo.InvariantCulture)),
            Unsupported = unsupported,
            MetricsBind = metricsBind,
            StatsdHost = line.Get(Settings.StatsdHost) is { } statsd ? StatsdAddress.Parse(statsd) : null,
            StatsdPrefix = statsdPrefix,
            Reload = line.Has(Settings.Reload),
            ReloadEngine = ReloadEngineKinds.TryParse(line.Get(Settings.ReloadEngine) ?? Settings.ReloadEngine.Default!, out var engine) ? engine : ReloadEngineKind.Auto,
            ReloadExtraFiles = line.GetAll(Settings.ReloadExtraFiles).Select(Path.GetFullPath).ToList(),
        };
    }

    /// <summary>
    /// A log setting's file as a full path (relative paths are taken from where dram was started),
    /// checked by opening it for appending as the server will; "-" and null pass through.
    /// </summary>
    private static string? LogPath(CommandLine line, Setting setting)
    {
        var value = line.Get(setting);
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

    private static Dram.Wsgi.ForwardedTrust ParseForwarded(CommandLine line)
    {
        var text = line.Get(Settings.ForwardedAllowIps) ?? System.Environment.GetEnvironmentVariable("FORWARDED_ALLOW_IPS") ?? Settings.ForwardedAllowIps.Default!;
        try
        {
            return Dram.Wsgi.ForwardedTrust.Parse(text, trustUnixSockets: true);
        }
        catch (FormatException e)
        {
            throw new UsageException($"forwarded-allow-ips {text}: {e.Message}");
        }
    }

    private static int Int(CommandLine line, Setting setting) =>
        int.Parse(line.Get(setting) ?? setting.Default!, CultureInfo.InvariantCulture);
}
