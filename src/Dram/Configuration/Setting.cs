namespace Dram.Configuration;

/// <summary>How a setting's text becomes a value.</summary>
public enum SettingKind
{
    /// <summary>Takes one value.</summary>
    Text,

    /// <summary>A positive or zero integer.</summary>
    Integer,

    /// <summary>A flag without a value.</summary>
    Flag,

    /// <summary>May be given many times; every value is kept.</summary>
    Repeated,
}

/// <summary>
/// One setting, declared once: its Gunicorn-compatible name (also its name in a config file) and
/// flags, how to parse it, its default and help. The same declaration drives the command line,
/// config files, GUNICORN_CMD_ARGS/DRAM_CMD_ARGS, --print-config, the help text and docs/settings.md.
/// </summary>
public sealed record Setting(
    string Name,
    string[] Flags,
    SettingKind Kind,
    string Metavar,
    string? Default,
    string Help,
    Func<string, string?>? Validate = null)
{
    /// <summary>
    /// An environment variable that gives the setting a value above its default and below every
    /// other source (WEB_CONCURRENCY for workers, as Gunicorn reads it).
    /// </summary>
    public string? EnvironmentVariable { get; init; }

    /// <summary>
    /// Turns the variable's text into the setting's (PORT=5000 becomes 0.0.0.0:5000); a null result
    /// ignores the variable. Without it the text is taken as it is.
    /// </summary>
    public Func<string, string?>? FromEnvironment { get; init; }

    /// <summary>
    /// False for settings that only the command line (or GUNICORN_CMD_ARGS/DRAM_CMD_ARGS) can give:
    /// actions like --version, and what must be known before a config file can be read (--config,
    /// --python). A config file naming one gets a warning.
    /// </summary>
    public bool InConfigFile { get; init; } = true;

    /// <summary>A command-line action (--help, --check-config), not a setting of the server.</summary>
    public bool IsAction => Kind == SettingKind.Flag && !InConfigFile;
}
