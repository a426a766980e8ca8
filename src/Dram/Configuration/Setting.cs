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
/// One setting, declared once: its Gunicorn-compatible name and flags, how to parse it, its default
/// and help. The same declaration drives the command line and the help text.
/// </summary>
public sealed record Setting(
    string Name,
    string[] Flags,
    SettingKind Kind,
    string Metavar,
    string? Default,
    string Help,
    Func<string, string?>? Validate = null);
