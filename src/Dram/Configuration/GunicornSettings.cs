namespace Dram.Configuration;

/// <summary>
/// The names Gunicorn's config files use, with the flag each has on Gunicorn's command line, so a
/// config file naming one Dram lacks is answered the way that flag is (a warning, or a refusal
/// from <see cref="GunicornOnlyFlags"/>), and a typo can be matched to the name meant.
/// Names Dram implements are in <see cref="Settings.All"/> and take precedence over this list.
/// </summary>
public static class GunicornSettings
{
    /// <summary>Setting name to its Gunicorn flag (null: config files only).</summary>
    private static readonly Dictionary<string, string?> FlagByName = new(StringComparer.Ordinal)
    {
        ["config"] = "--config",
        ["wsgi_app"] = null,
        ["bind"] = "--bind",
        ["backlog"] = "--backlog",
        ["workers"] = "--workers",
        ["worker_class"] = "--worker-class",
        ["threads"] = "--threads",
        ["worker_connections"] = "--worker-connections",
        ["max_requests"] = "--max-requests",
        ["max_requests_jitter"] = "--max-requests-jitter",
        ["timeout"] = "--timeout",
        ["graceful_timeout"] = "--graceful-timeout",
        ["keepalive"] = "--keep-alive",
        ["limit_request_line"] = "--limit-request-line",
        ["limit_request_fields"] = "--limit-request-fields",
        ["limit_request_field_size"] = "--limit-request-field_size",
        ["reload"] = "--reload",
        ["reload_engine"] = "--reload-engine",
        ["reload_extra_files"] = "--reload-extra-file",
        ["spew"] = "--spew",
        ["check_config"] = "--check-config",
        ["print_config"] = "--print-config",
        ["preload_app"] = "--preload",
        ["sendfile"] = "--no-sendfile",
        ["reuse_port"] = "--reuse-port",
        ["chdir"] = "--chdir",
        ["daemon"] = "--daemon",
        ["raw_env"] = "--env",
        ["pidfile"] = "--pid",
        ["worker_tmp_dir"] = "--worker-tmp-dir",
        ["user"] = "--user",
        ["group"] = "--group",
        ["umask"] = "--umask",
        ["initgroups"] = "--initgroups",
        ["tmp_upload_dir"] = null,
        ["secure_scheme_headers"] = null,
        ["forwarded_allow_ips"] = "--forwarded-allow-ips",
        ["accesslog"] = "--access-logfile",
        ["disable_redirect_access_to_syslog"] = "--disable-redirect-access-to-syslog",
        ["access_log_format"] = "--access-logformat",
        ["errorlog"] = "--error-logfile",
        ["loglevel"] = "--log-level",
        ["capture_output"] = "--capture-output",
        ["logger_class"] = "--logger-class",
        ["logconfig"] = "--log-config",
        ["logconfig_dict"] = null,
        ["logconfig_json"] = "--log-config-json",
        ["syslog_addr"] = "--log-syslog-to",
        ["syslog"] = "--log-syslog",
        ["syslog_prefix"] = "--log-syslog-prefix",
        ["syslog_facility"] = "--log-syslog-facility",
        ["enable_stdio_inheritance"] = "--enable-stdio-inheritance",
        ["statsd_host"] = "--statsd-host",
        ["dogstatsd_tags"] = "--dogstatsd-tags",
        ["statsd_prefix"] = "--statsd-prefix",
        ["proc_name"] = "--name",
        ["default_proc_name"] = null,
        ["pythonpath"] = "--pythonpath",
        ["paste"] = "--paste",
        ["proxy_protocol"] = "--proxy-protocol",
        ["proxy_allow_ips"] = "--proxy-allow-from",
        ["keyfile"] = "--keyfile",
        ["certfile"] = "--certfile",
        ["ssl_version"] = "--ssl-version",
        ["cert_reqs"] = "--cert-reqs",
        ["ca_certs"] = "--ca-certs",
        ["suppress_ragged_eofs"] = "--suppress-ragged-eofs",
        ["do_handshake_on_connect"] = "--do-handshake-on-connect",
        ["ciphers"] = "--ciphers",
        ["raw_paste_global_conf"] = "--paste-global",
        ["permit_obsolete_folding"] = "--permit-obsolete-folding",
        ["strip_header_spaces"] = "--strip-header-spaces",
        ["permit_unconventional_http_method"] = "--permit-unconventional-http-method",
        ["permit_unconventional_http_version"] = "--permit-unconventional-http-version",
        ["casefold_http_method"] = "--casefold-http-method",
        ["forwarder_headers"] = "--forwarder-headers",
        ["header_map"] = "--header-map",
        ["tolerate_dangerous_framing"] = "--tolerate-dangerous-framing",
    };

    /// <summary>Gunicorn hooks that have no meaning in Dram, with what to do instead.</summary>
    private static readonly Dictionary<string, string> HooksWithoutMeaning = new(StringComparer.Ordinal)
    {
        ["pre_fork"] = "Dram starts each worker as a new process instead of forking the master; use post_worker_init, which runs in every worker",
        ["post_fork"] = "Dram starts each worker as a new process instead of forking the master; use post_worker_init, which runs in every worker",
        ["pre_exec"] = "Dram does not re-execute the master (USR2); reload with SIGHUP, and on_reload runs then",
        ["ssl_context"] = "Dram does not terminate TLS yet; terminate it in the proxy in front (nginx)",
    };

    public static bool IsGunicornName(string name) => FlagByName.ContainsKey(name) || HooksWithoutMeaning.ContainsKey(name);

    /// <summary>The flag Gunicorn has for the setting, or null (config files only, or not a Gunicorn name).</summary>
    public static string? FlagOf(string name) => FlagByName.GetValueOrDefault(name);

    /// <summary>Why a Gunicorn hook does nothing in Dram, or null when <paramref name="name"/> is not such a hook.</summary>
    public static string? HookWithoutMeaning(string name) => HooksWithoutMeaning.GetValueOrDefault(name);

    /// <summary>Every Gunicorn name, for matching typos.</summary>
    public static IEnumerable<string> Names => FlagByName.Keys.Concat(HooksWithoutMeaning.Keys);
}
