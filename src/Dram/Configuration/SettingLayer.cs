namespace Dram.Configuration;

/// <summary>
/// The values one source gives (the command line, GUNICORN_CMD_ARGS, a config file, an environment
/// variable), checked but before precedence between sources applies.
/// </summary>
public sealed class SettingLayer(string source)
{
    private readonly Dictionary<string, List<string>> _values = new(StringComparer.Ordinal);

    /// <summary>Where the values come from, as --print-config shows it: "command line", "GUNICORN_CMD_ARGS", a config file's path.</summary>
    public string Source { get; } = source;

    public bool Has(Setting setting) => _values.ContainsKey(setting.Name);

    /// <summary>Every value this source gives the setting, in order (one unless the setting is repeated).</summary>
    public IReadOnlyList<string> GetAll(Setting setting) => _values.TryGetValue(setting.Name, out var list) ? list : [];

    /// <summary>Adds a value; a setting that is not repeated keeps only the last one, as with a flag given twice.</summary>
    public void Add(Setting setting, string value)
    {
        if (!_values.TryGetValue(setting.Name, out var list))
        {
            _values[setting.Name] = list = [];
        }
        if (setting.Kind != SettingKind.Repeated)
        {
            list.Clear();
        }
        list.Add(value);
    }
}
