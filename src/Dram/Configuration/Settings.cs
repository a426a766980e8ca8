namespace Dram.Configuration;

/// <summary>Every setting Dram knows, in help order. Names and defaults follow Gunicorn's where it has one.</summary>
public static class Settings
{
    public static readonly Setting Bind = new("bind", ["-b", "--bind"], SettingKind.Repeated, "ADDRESS", "127.0.0.1:8000",
        "Socket to listen on: HOST:PORT, [IPv6]:PORT, unix:PATH or fd://N. Repeat for more. Default 127.0.0.1:8000, or 0.0.0.0:$PORT when PORT is set.",
        BindAddress.Validate);

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
        "The Python interpreter whose libpython to embed (3.10 to 3.13). Default: $VIRTUAL_ENV/bin/python, else python3 on PATH.");

    public static readonly Setting RootPath = new("root_path", ["--root-path"], SettingKind.Text, "PATH", null,
        "Mount the app below PATH (its SCRIPT_NAME), e.g. /app; PATH_INFO then excludes it. Default: $SCRIPT_NAME or none.",
        v => v.Length == 0 || (v.StartsWith('/') && !v.EndsWith('/')) ? null : "must start with '/' and not end with '/', e.g. /app");

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
        v => int.Parse(v) is >= 1 and <= 512 ? null : "must be between 1 and 512");

    public static readonly Setting StaticMap = new("static_map", ["--static-map"], SettingKind.Repeated, "PREFIX=DIR", null,
        "Serve the files of DIR under the URL PREFIX from Kestrel, without Python (e.g. /static=staticfiles). Repeat for more.");

    public static readonly Setting ForwardedAllowIps = new("forwarded_allow_ips", ["--forwarded-allow-ips"], SettingKind.Text, "IPS", "127.0.0.1,::1",
        "Proxies (IPs, CIDRs, or *) whose X-Forwarded-For/-Proto set REMOTE_ADDR and wsgi.url_scheme; unix-socket peers are trusted too. Default: $FORWARDED_ALLOW_IPS or 127.0.0.1,::1.",
        v => Check(() => Dram.Wsgi.ForwardedTrust.Parse(v, true)));

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

    public static readonly Setting Version = new("version", ["-v", "--version"], SettingKind.Flag, "", null,
        "Print the version and exit.");

    public static readonly Setting Help = new("help", ["-h", "--help"], SettingKind.Flag, "", null,
        "Show this help and exit.");

    public static readonly IReadOnlyList<Setting> All =
    [
        Bind, Workers, Threads, Chdir, PythonPath, RawEnv, Python, RootPath, Timeout, GracefulTimeout, KeepAlive,
        MaxRequests, MaxRequestsJitter, MaxWorkerMemory, MaxWorkerLifetime, Backlog, Pidfile, Umask, StaticMap, ForwardedAllowIps,
        SecureSchemeHeaders, ProxyProtocol, ProxyAllowFrom, LimitRequestLine, LimitRequestFields, LimitRequestFieldSize, LimitRequestBody,
        LogLevel, Version, Help,
    ];

    /// <summary>A validator from a parser that throws <see cref="FormatException"/> naming what is wrong.</summary>
    private static string? Check(Action parse)
    {
        try
        {
            parse();
            return null;
        }
        catch (FormatException e)
        {
            return e.Message;
        }
    }
}
