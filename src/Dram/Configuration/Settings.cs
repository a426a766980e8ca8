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
        "The Python interpreter whose libpython to embed (3.10 to 3.13). Default: $VIRTUAL_ENV/bin/python, else python3 on PATH.")
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
        v =>
        {
            try
            {
                Dram.Wsgi.ForwardedTrust.Parse(v, true);
                return null;
            }
            catch (FormatException e)
            {
                return e.Message;
            }
        })
    {
        EnvironmentVariable = "FORWARDED_ALLOW_IPS",
    };

    public static readonly Setting Umask = new("umask", ["-m", "--umask"], SettingKind.Text, "INT", "0",
        "File mode mask for unix sockets Dram binds (octal like 022 or 0o22, or decimal). The default 0 lets any local user (nginx as www-data) connect; use 007 with a shared group.",
        v => Dram.Configuration.UmaskValue.TryParse(v, out _) ? null : "must be a number from 0 to 0777, e.g. 007 or 0o22");

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

    public static readonly IReadOnlyList<Setting> All =
    [
        Config, WsgiApp, Bind, Workers, Threads, Chdir, PythonPath, RawEnv, Python, RootPath, Timeout, GracefulTimeout, KeepAlive,
        MaxRequests, MaxRequestsJitter, MaxWorkerMemory, MaxWorkerLifetime, Backlog, Pidfile, Umask, StaticMap, ForwardedAllowIps,
        LogLevel, PrintConfig, CheckConfig, Version, Help,
    ];

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
