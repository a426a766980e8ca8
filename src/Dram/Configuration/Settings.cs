namespace Dram.Configuration;

/// <summary>Every setting Dram knows, in help order. Names and defaults follow Gunicorn's where it has one.</summary>
public static class Settings
{
    public static readonly Setting Config = new("config", ["-c", "--config"], SettingKind.Text, "CONFIG", null,
        "A Python config file whose module-level names are settings, as gunicorn.conf.py (PATH or file:PATH), or python:MODULE to import one. Default: ./dram.conf.py, else ./gunicorn.conf.py, when present.")
    {
        InConfigFile = false,
    };

    public static readonly Setting WsgiApp = new("wsgi_app", [], SettingKind.Text, "MODULE:CALLABLE", null,
        "The app to serve, as MODULE[:CALLABLE]: the APP_MODULE argument, or wsgi_app in a config file when no argument is given.");

    public static readonly Setting Bind = new("bind", ["-b", "--bind"], SettingKind.Repeated, "ADDRESS", "127.0.0.1:8000",
        "Socket to listen on: HOST:PORT, [IPv6]:PORT, unix:PATH or fd://N. Repeat for more. Default 127.0.0.1:8000, or 0.0.0.0:$PORT when PORT is set.",
        BindAddress.Validate)
    {
        EnvironmentVariable = "PORT",
        // A PORT that is not a number (a platform's placeholder) is not worth refusing to start over.
        FromEnvironment = port => int.TryParse(port, out _) ? $"0.0.0.0:{port}" : null,
    };

    public static readonly Setting Threads = new("threads", ["--threads"], SettingKind.Integer, "INT", "1",
        "Python threads that run requests concurrently in the worker. The GIL is held only while Python runs.",
        v => int.Parse(v) is >= 1 and <= 1024 ? null : "must be between 1 and 1024");

    public static readonly Setting Chdir = new("chdir", ["--chdir"], SettingKind.Text, "DIR", null,
        "Change to DIR before loading the app; it becomes sys.path[0]. Default: the current directory.",
        v => Directory.Exists(v) ? null : $"directory {v} does not exist");

    public static readonly Setting PythonPath = new("pythonpath", ["--pythonpath"], SettingKind.Text, "PATHS", null,
        "Comma-separated directories added to sys.path after the --chdir directory, e.g. '/srv/lib,/srv/vendor'.");

    public static readonly Setting RawEnv = new("raw_env", ["-e", "--env"], SettingKind.Repeated, "KEY=VALUE", null,
        "Set an environment variable for the app (before it is imported). Repeat for more.",
        v => v.IndexOf('=') > 0 ? null : "must look like KEY=VALUE");

    public static readonly Setting LogLevel = new("loglevel", ["--log-level"], SettingKind.Text, "LEVEL", "info",
        "Error log verbosity: debug, info, warning, error or critical.",
        v => v.ToLowerInvariant() is "debug" or "info" or "warning" or "error" or "critical" ? null : "must be debug, info, warning, error or critical");

    public static readonly Setting Python = new("python", ["--python"], SettingKind.Text, "PATH", null,
        "The Python interpreter that runs the workers (3.10 to 3.13). Default: $VIRTUAL_ENV/bin/python, else python3 on PATH.")
    {
        // The config file is read by this interpreter, so the file cannot choose it.
        InConfigFile = false,
    };

    public static readonly Setting RootPath = new("root_path", ["--root-path"], SettingKind.Text, "PATH", null,
        "Mount the app below PATH (its SCRIPT_NAME), e.g. /app; PATH_INFO then excludes it. Default: $SCRIPT_NAME or none.",
        v => v.Length == 0 || (v.StartsWith('/') && !v.EndsWith('/')) ? null : "must start with '/' and not end with '/', e.g. /app")
    {
        EnvironmentVariable = "SCRIPT_NAME",
        FromEnvironment = scriptName => scriptName.TrimEnd('/'),
    };

    public static readonly Setting Timeout = new("timeout", ["-t", "--timeout"], SettingKind.Integer, "INT", "30",
        "Seconds a request may run before it is answered 504 and an exception is raised in its Python thread; 0 disables.");

    public static readonly Setting MaxRequests = new("max_requests", ["--max-requests"], SettingKind.Integer, "INT", "0",
        "Replace a worker after it served this many requests (0: never). The replacement accepts before the old one drains.");

    public static readonly Setting MaxRequestsJitter = new("max_requests_jitter", ["--max-requests-jitter"], SettingKind.Integer, "INT", "0",
        "Add a random 0..INT to --max-requests per worker, so workers do not all recycle at once.");

    public static readonly Setting MaxWorkerMemory = new("max_worker_memory", ["--max-worker-memory"], SettingKind.Integer, "MB", "0",
        "Replace a worker whose resident memory (RSS) exceeds MB (0: never).");

    public static readonly Setting MaxWorkerLifetime = new("max_worker_lifetime", ["--max-worker-lifetime"], SettingKind.Integer, "SECONDS", "0",
        "Replace a worker after it has run this long (0: never).");

    public static readonly Setting Pidfile = new("pidfile", ["-p", "--pid"], SettingKind.Text, "FILE", null,
        "Write the master's process id to FILE (removed on exit).");

    public static readonly Setting Backlog = new("backlog", ["--backlog"], SettingKind.Integer, "INT", "2048",
        "Pending connections the kernel queues per listening socket.");

    public static readonly Setting GracefulTimeout = new("graceful_timeout", ["--graceful-timeout"], SettingKind.Integer, "INT", "30",
        "Seconds in-flight requests get to finish after SIGTERM/SIGINT before the server stops anyway.");

    public static readonly Setting KeepAlive = new("keepalive", ["--keep-alive"], SettingKind.Integer, "INT", "2",
        "Seconds an idle keep-alive connection is kept open. Behind a load balancer set it above the balancer's idle timeout.");

    public static readonly Setting Workers = new("workers", ["-w", "--workers"], SettingKind.Integer, "INT", "1",
        "Worker processes, each with its own interpreter and --threads Python threads. Default: $WEB_CONCURRENCY or 1.",
        v => int.Parse(v) is >= 1 and <= 512 ? null : "must be between 1 and 512")
    {
        EnvironmentVariable = "WEB_CONCURRENCY",
    };

    public static readonly Setting StaticMap = new("static_map", ["--static-map"], SettingKind.Repeated, "PREFIX=DIR", null,
        "Serve the files of DIR under the URL PREFIX from Kestrel, without Python (e.g. /static=staticfiles). Repeat for more.");

    public static readonly Setting ForwardedAllowIps = new("forwarded_allow_ips", ["--forwarded-allow-ips"], SettingKind.Text, "IPS", "127.0.0.1,::1",
        "Proxies (IPs, CIDRs, or *) whose X-Forwarded-For/-Proto set REMOTE_ADDR and wsgi.url_scheme; unix-socket peers are trusted too. Default: $FORWARDED_ALLOW_IPS or 127.0.0.1,::1.",
        v => Check(() => Dram.Wsgi.ForwardedTrust.Parse(v, true)))
    {
        EnvironmentVariable = "FORWARDED_ALLOW_IPS",
    };

    public static readonly Setting SecureSchemeHeaders = new("secure_scheme_headers", ["--secure-scheme-headers"], SettingKind.Text, "NAME=VALUE,...",
        Dram.Wsgi.SecureSchemeHeaders.Default,
        "Headers by which a proxy in --forwarded-allow-ips says the client used HTTPS, each with its exact value; any other value means HTTP, and headers that disagree get 400. '' turns them off. Default: " + Dram.Wsgi.SecureSchemeHeaders.Default + ".",
        v => Check(() => Dram.Wsgi.SecureSchemeHeaders.Parse(v)));

    public static readonly Setting ProxyProtocol = new("proxy_protocol", ["--proxy-protocol"], SettingKind.Flag, "", null,
        "Require a PROXY protocol header (v1 or v2, as HAProxy's send-proxy or nginx's proxy_protocol send) on every connection; the client it names becomes REMOTE_ADDR and REMOTE_PORT.");

    public static readonly Setting ProxyAllowFrom = new("proxy_allow_ips", ["--proxy-allow-from"], SettingKind.Text, "IPS", "127.0.0.1,::1",
        "Peers (IPs, CIDRs, or *) allowed to send a PROXY protocol header; unix-socket peers are allowed too, others are disconnected. Default: 127.0.0.1,::1.",
        v => Check(() => Dram.Wsgi.ForwardedTrust.Parse(v, true)));

    public static readonly Setting LimitRequestLine = new("limit_request_line", ["--limit-request-line"], SettingKind.Integer, "INT", RequestLimits.DefaultLine.ToString(System.Globalization.CultureInfo.InvariantCulture),
        "Longest request line (method, target, version) in bytes; a longer one gets 414. 0 lifts it to 1048576. Default: 4094.",
        v => int.Parse(v) <= RequestLimits.MaxLineBytes ? null : $"must be between 0 (the most, {RequestLimits.MaxLineBytes}) and {RequestLimits.MaxLineBytes}");

    public static readonly Setting LimitRequestFields = new("limit_request_fields", ["--limit-request-fields"], SettingKind.Integer, "INT", RequestLimits.DefaultFields.ToString(System.Globalization.CultureInfo.InvariantCulture),
        "Most header fields in a request; more get 431. At most 32768, which 0 also means. Default: 100.",
        v => int.Parse(v) <= RequestLimits.MaxFields ? null : $"must be between 0 (the most, {RequestLimits.MaxFields}) and {RequestLimits.MaxFields}");

    public static readonly Setting LimitRequestFieldSize = new("limit_request_field_size", ["--limit-request-field_size", "--limit-request-field-size"], SettingKind.Integer, "INT",
        RequestLimits.DefaultFieldSize.ToString(System.Globalization.CultureInfo.InvariantCulture),
        "Longest header line in bytes, counted as 'Name: value' plus CRLF; a longer one gets 431. 0: no limit per line (the header block stays bounded). Default: 8190.",
        v => int.Parse(v) <= RequestLimits.MaxLineBytes ? null : $"must be between 0 (no limit) and {RequestLimits.MaxLineBytes}");

    public static readonly Setting LimitRequestBody = new("limit_request_body", ["--limit-request-body"], SettingKind.Text, "BYTES", "0",
        "Largest request body in bytes (0: no limit). A larger Content-Length gets 413 without calling the app; a chunked body growing past it fails the read (413, connection closed).",
        v => long.TryParse(v, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out _) ? null : "must be a whole number of bytes >= 0, e.g. 10485760 for 10 MiB");

    public static readonly Setting Umask = new("umask", ["-m", "--umask"], SettingKind.Text, "INT", "0",
        "File mode mask for unix sockets Dram binds (octal like 022 or 0o22, or decimal). The default 0 lets any local user (nginx as www-data) connect; use 007 with a shared group.",
        v => Dram.Configuration.UmaskValue.TryParse(v, out _) ? null : "must be a number from 0 to 0777, e.g. 007 or 0o22");

    public static readonly Setting CertFile = new("certfile", ["--certfile"], SettingKind.Text, "FILE", null,
        "PEM certificate (followed by its intermediates, and the key if --keyfile is not given). Every TCP bind then serves HTTPS, offering HTTP/2 and HTTP/1.1 by ALPN; unix sockets stay plain HTTP.");

    public static readonly Setting KeyFile = new("keyfile", ["--keyfile"], SettingKind.Text, "FILE", null,
        "PEM private key of --certfile, unencrypted. Default: the key in the --certfile file. Read before workers switch to --user, so it may be readable by root only.");

    public static readonly Setting CaCerts = new("ca_certs", ["--ca-certs"], SettingKind.Text, "FILE", null,
        "PEM bundle of the CAs that client certificates must chain to (with --cert-reqs 1 or 2). Default: the system's trusted CAs.");

    public static readonly Setting CertReqs = new("cert_reqs", ["--cert-reqs"], SettingKind.Text, "INT", "0",
        "Client certificates: 0 not asked for, 1 optional (verified when sent), 2 required. The app sees them as SSL_CLIENT_CERT.",
        TlsSettings.ValidateCertReqs);

    public static readonly Setting SslVersion = new("ssl_version", ["--ssl-version"], SettingKind.Text, "VERSION", "TLS",
        "TLS versions offered: TLS (TLS 1.2 and 1.3) or TLSv1_2 (1.2 only). Gunicorn's other names and numbers are accepted; TLSv1 and TLSv1_1 are warned about and serve TLS 1.2 and 1.3.",
        TlsSettings.ValidateSslVersion);

    public static readonly Setting Ciphers = new("ciphers", ["--ciphers"], SettingKind.Text, "LIST", null,
        "TLS 1.2 cipher suites as an OpenSSL cipher list, e.g. ECDHE+AESGCM:ECDHE+CHACHA20 (TLS 1.3 suites stay OpenSSL's). Default: OpenSSL's.");

    public static readonly Setting DoHandshakeOnConnect = new("do_handshake_on_connect", ["--do-handshake-on-connect"], SettingKind.Flag, "", null,
        "Accepted for Gunicorn command lines: the TLS handshake always completes as a connection is accepted, off the Python threads.");

    public static readonly Setting SuppressRaggedEofs = new("suppress_ragged_eofs", ["--suppress-ragged-eofs"], SettingKind.Flag, "", null,
        "Accepted for Gunicorn command lines: a client closing TLS without close_notify always ends its connection normally.");

    public static readonly Setting Http2Cleartext = new("http2_cleartext", ["--http2-cleartext"], SettingKind.Flag, "", null,
        "Also accept HTTP/2 without TLS (h2c with prior knowledge) on cleartext binds, beside HTTP/1.1 on the same socket, for proxies that speak h2c to their upstreams.");

    public static readonly Setting User = new("user", ["-u", "--user"], SettingKind.Text, "USER", null,
        "Run workers as this user (name or uid); the master keeps the account it was started as, to bind ports and read keys. Default: no switch.");

    public static readonly Setting Group = new("group", ["-g", "--group"], SettingKind.Text, "GROUP", null,
        "Run workers with this group (name or gid). Default with --user: that user's primary group.");

    public static readonly Setting Initgroups = new("initgroups", ["--initgroups"], SettingKind.Flag, "", null,
        "Give workers every supplementary group of --user; without it they have none.");
    public static readonly Setting MetricsBind = new("metrics_bind", ["--metrics-bind"], SettingKind.Text, "ADDRESS", null,
        "Serve Prometheus metrics of all workers at http://ADDRESS/metrics from the master, e.g. 127.0.0.1:9100 (HOST:PORT). Default: off.",
        v => Check(() => MetricsAddress.Parse(v)));

    public static readonly Setting StatsdHost = new("statsd_host", ["--statsd-host"], SettingKind.Text, "HOST:PORT", null,
        "Send Gunicorn's StatsD metrics (gunicorn.requests, gunicorn.request.duration, ...) over UDP to HOST:PORT, e.g. 127.0.0.1:8125. Default: off.",
        v => Check(() => StatsdAddress.Parse(v)));

    public static readonly Setting StatsdPrefix = new("statsd_prefix", ["--statsd-prefix"], SettingKind.Text, "PREFIX", "",
        "Prefix for StatsD metric names (a trailing '.' is added), e.g. mysite gives mysite.gunicorn.requests.");

    public static readonly Setting Reload = new("reload", ["--reload"], SettingKind.Flag, "", null,
        "Development: restart the workers when a source file of the app changes (rolling, like HUP; a file that no longer imports leaves the running workers serving).");

    public static readonly Setting ReloadEngine = new("reload_engine", ["--reload-engine"], SettingKind.Text, "ENGINE", "auto",
        "How --reload notices changes: inotify, poll (stat every second), or auto (inotify, else poll).",
        v => ReloadEngineKinds.TryParse(v, out _) ? null : "must be auto, poll or inotify");

    public static readonly Setting ReloadExtraFiles = new("reload_extra_files", ["--reload-extra-file"], SettingKind.Repeated, "FILE", null,
        "With --reload, also reload when FILE changes (templates, configuration). Repeat for more.",
        v => File.Exists(v) ? null : $"file {Path.GetFullPath(v)} does not exist (give an existing file; directories are not watched)");
    public static readonly Setting AccessLog = new("accesslog", ["--access-logfile"], SettingKind.Text, "FILE", null,
        "Write a line per request to FILE ('-' for stdout), appended to by every worker; off by default, as in Gunicorn.",
        LogPathProblem);

    public static readonly Setting AccessLogFormat = new("access_log_format", ["--access-logformat"], SettingKind.Text, "STRING", Dram.Wsgi.Logs.AccessLogFormat.Default,
        "Access log line in Gunicorn's atoms: h client, u Basic-auth user, t time, r request line, m U q H, s status, b/B bytes, f referer, a user agent, T/M/D/L duration, p pid, %({Header}i)s, %({Header}o)s, %({KEY}e)s. Default: the combined format.",
        v =>
        {
            try
            {
                Dram.Wsgi.Logs.AccessLogFormat.Compile(v);
                return null;
            }
            catch (FormatException e)
            {
                return e.Message;
            }
        });

    public static readonly Setting AccessLogJson = new("access_log_json", ["--access-log-json"], SettingKind.Flag, "", null,
        "Write access log lines as JSON objects (time, remote, method, path, query, protocol, status, bytes, duration_ms, referer, user_agent, pid, worker).");

    public static readonly Setting ErrorLog = new("errorlog", ["--error-logfile", "--log-file"], SettingKind.Text, "FILE", "-",
        "Write the server's log (master and workers, tracebacks, wsgi.errors) to FILE ('-' for stderr). SIGUSR1 reopens log files after rotation.",
        LogPathProblem);

    public static readonly Setting CaptureOutput = new("capture_output", ["--capture-output"], SettingKind.Flag, "", null,
        "Send the app's stdout and stderr (print(), C extensions writing to descriptors 1 and 2) to the --error-logfile FILE.");

    public static readonly Setting PrintConfig = new("print_config", ["--print-config"], SettingKind.Flag, "", null,
        "Print every effective setting with its value and where it came from, then exit.")
    {
        InConfigFile = false,
    };

    public static readonly Setting CheckConfig = new("check_config", ["--check-config"], SettingKind.Flag, "", null,
        "Check the settings and import the app, then exit: 0 when both are fine. Nothing is bound.")
    {
        InConfigFile = false,
    };

    public static readonly Setting Version = new("version", ["-v", "--version"], SettingKind.Flag, "", null,
        "Print the version and exit.")
    {
        InConfigFile = false,
    };

    public static readonly Setting Help = new("help", ["-h", "--help"], SettingKind.Flag, "", null,
        "Show this help and exit.")
    {
        InConfigFile = false,
    };

    private static string? LogPathProblem(string value) => value.Length == 0 ? "needs a file path, or - for the standard stream" : null;

    public static readonly IReadOnlyList<Setting> All =
    [
        Config, WsgiApp, Bind, Workers, Threads, Chdir, PythonPath, RawEnv, Python, RootPath, Timeout, GracefulTimeout, KeepAlive,
        MaxRequests, MaxRequestsJitter, MaxWorkerMemory, MaxWorkerLifetime, Backlog, Pidfile, Umask, StaticMap, ForwardedAllowIps,
        CertFile, KeyFile, CaCerts, CertReqs, SslVersion, Ciphers, DoHandshakeOnConnect, SuppressRaggedEofs, Http2Cleartext,
        User, Group, Initgroups,
        SecureSchemeHeaders, ProxyProtocol, ProxyAllowFrom, LimitRequestLine, LimitRequestFields, LimitRequestFieldSize, LimitRequestBody,
        LogLevel, ErrorLog, CaptureOutput, AccessLog, AccessLogFormat, AccessLogJson,
        MetricsBind, StatsdHost, StatsdPrefix, Reload, ReloadEngine, ReloadExtraFiles, PrintConfig, CheckConfig, Version, Help,
    ];

    /// <summary>A validator from a parser that throws <see cref="FormatException"/> or <see cref="UsageException"/> naming what is wrong.</summary>
    private static string? Check(Action parse)
    {
        try
        {
            parse();
            return null;
        }
        catch (Exception e) when (e is FormatException or UsageException)
        {
            return e.Message;
        }
    }

    /// <summary>The setting a config file (or GUNICORN_CMD_ARGS) names, or null.</summary>
    public static Setting? Find(string name)
    {
        foreach (var setting in All)
        {
            if (setting.Name == name)
            {
                return setting;
            }
        }
        return null;
    }
}
