namespace Dram.Configuration;

/// <summary>
/// Gunicorn flags Dram does not act on yet, so a command line copied from a Gunicorn unit keeps
/// working: tuning and logging flags are accepted with a start-up warning naming them, while flags
/// whose meaning cannot be dropped silently (daemonizing, switching users, TLS) stop
/// with a usage error that says so.
/// </summary>
public static class GunicornOnlyFlags
{
    /// <summary>Accepted and ignored with a warning; true when the flag takes a value.</summary>
    private static readonly Dictionary<string, bool> Ignored = new(StringComparer.Ordinal)
    {
        ["--access-logfile"] = true,
        ["--access-logformat"] = true,
        ["--error-logfile"] = true,
        ["--log-file"] = true,
        ["--log-config"] = true,
        ["--log-syslog"] = false,
        ["--capture-output"] = false,
        ["--enable-stdio-inheritance"] = false,
        ["-k"] = true,
        ["--worker-class"] = true,
        ["--worker-connections"] = true,
        ["--worker-tmp-dir"] = true,
        ["--preload"] = false,
        ["--reload"] = false,
        ["--reload-engine"] = true,
        ["--reload-extra-file"] = true,
        ["--limit-request-line"] = true,
        ["--limit-request-fields"] = true,
        ["--limit-request-field_size"] = true,
        ["--statsd-host"] = true,
        ["--statsd-prefix"] = true,
        ["-n"] = true,
        ["--name"] = true,
        ["--proxy-protocol"] = false,
        ["--proxy-allow-from"] = true,
        ["--no-sendfile"] = false,
        ["--reuse-port"] = false,
        ["--initgroups"] = false,
    };

    /// <summary>Refused: ignoring them would change what the command does.</summary>
    private static readonly Dictionary<string, string> Refused = new(StringComparer.Ordinal)
    {
        ["-D"] = "Dram does not daemonize; run it under systemd or another supervisor",
        ["--daemon"] = "Dram does not daemonize; run it under systemd or another supervisor",
        ["--paste"] = "PasteDeploy configurations are not supported; name the WSGI callable as MODULE:CALLABLE",
        ["-u"] = "--user is not supported yet; start Dram as the user it should run as (systemd User=)",
        ["--user"] = "--user is not supported yet; start Dram as the user it should run as (systemd User=)",
        ["-g"] = "--group is not supported yet; start Dram with the group it should run as (systemd Group=)",
        ["--group"] = "--group is not supported yet; start Dram with the group it should run as (systemd Group=)",
        ["--certfile"] = "TLS is not supported yet; terminate TLS in the proxy in front (nginx)",
        ["--keyfile"] = "TLS is not supported yet; terminate TLS in the proxy in front (nginx)",
        ["--ca-certs"] = "TLS is not supported yet; terminate TLS in the proxy in front (nginx)",
    };

    /// <summary>True when <paramref name="flag"/> is a Gunicorn flag Dram ignores; <paramref name="takesValue"/> says whether a value follows.</summary>
    public static bool IsIgnored(string flag, out bool takesValue) => Ignored.TryGetValue(flag, out takesValue);

    /// <summary>The reason a Gunicorn flag is refused, or null.</summary>
    public static string? RefusalReason(string flag) => Refused.GetValueOrDefault(flag);
}
