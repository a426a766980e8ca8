namespace Dram.Configuration;

/// <summary>
/// Gunicorn flags Dram does not act on yet, so a command line copied from a Gunicorn unit keeps
/// working: tuning and logging flags are accepted with a start-up warning naming them, while flags
/// whose meaning cannot be dropped silently (a config file, check-only runs, daemonizing) stop
/// with a usage error that says so.
/// </summary>
public static class GunicornOnlyFlags
{
    /// <summary>Accepted and ignored with a warning; true when the flag takes a value.</summary>
    private static readonly Dictionary<string, bool> Ignored = new(StringComparer.Ordinal)
    {
        ["--log-config"] = true,
        ["--log-syslog"] = false,
        ["--enable-stdio-inheritance"] = false,
        ["-k"] = true,
        ["--worker-class"] = true,
        ["--worker-connections"] = true,
        ["--worker-tmp-dir"] = true,
        ["--preload"] = false,
        ["-n"] = true,
        ["--name"] = true,
        ["--no-sendfile"] = false,
        ["--reuse-port"] = false,
    };

    /// <summary>Refused: ignoring them would change what the command does.</summary>
    private static readonly Dictionary<string, string> Refused = new(StringComparer.Ordinal)
    {
        ["-c"] = "configuration files are not supported yet; pass the settings as flags",
        ["--config"] = "configuration files are not supported yet; pass the settings as flags",
        ["--check-config"] = "--check-config is not supported yet",
        ["--print-config"] = "--print-config is not supported yet",
        ["-D"] = "Dram does not daemonize; run it under systemd or another supervisor",
        ["--daemon"] = "Dram does not daemonize; run it under systemd or another supervisor",
        ["--paste"] = "PasteDeploy configurations are not supported; name the WSGI callable as MODULE:CALLABLE",
    };

    /// <summary>True when <paramref name="flag"/> is a Gunicorn flag Dram ignores; <paramref name="takesValue"/> says whether a value follows.</summary>
    public static bool IsIgnored(string flag, out bool takesValue) => Ignored.TryGetValue(flag, out takesValue);

    /// <summary>The reason a Gunicorn flag is refused, or null.</summary>
    public static string? RefusalReason(string flag) => Refused.GetValueOrDefault(flag);
}
