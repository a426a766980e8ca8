using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Dram.Configuration;

/// <summary>
/// The settings of a run once every source has been applied, each with the source it came from.
/// Resolved once, in the master; workers receive it whole (<see cref="ToHandoff"/>) so they never
/// read the sources again and cannot come to a different answer.
/// </summary>
public sealed class EffectiveSettings
{
    /// <summary>The environment variable that carries the master's resolved settings to its workers.</summary>
    public const string HandoffVariable = "DRAM_SETTINGS";

    public const string DefaultSource = "default";

    private readonly Dictionary<string, (IReadOnlyList<string> Values, string Source)> _chosen;

    private EffectiveSettings(Dictionary<string, (IReadOnlyList<string> Values, string Source)> chosen, IReadOnlyList<string> hooks)
    {
        _chosen = chosen;
        HookNames = hooks;
    }

    /// <summary>Names of the server hooks the config file defines.</summary>
    public IReadOnlyList<string> HookNames { get; }

    /// <summary>Gunicorn settings given that Dram does not act on yet, for the start-up warning.</summary>
    public IReadOnlyList<string> Unsupported { get; init; } = [];

    /// <summary>Other things worth a start-up warning: a likely typo in the config file, a setting ignored there.</summary>
    public IReadOnlyList<string> Warnings { get; init; } = [];

    public bool Has(Setting setting) => _chosen.ContainsKey(setting.Name);

    /// <summary>The value in effect, or null when the setting keeps its default.</summary>
    public string? Get(Setting setting) => _chosen.TryGetValue(setting.Name, out var chosen) ? chosen.Values[^1] : null;

    public IReadOnlyList<string> GetAll(Setting setting) => _chosen.TryGetValue(setting.Name, out var chosen) ? chosen.Values : [];

    /// <summary>Where the value in effect came from: "default", an environment variable, a config file, "command line"...</summary>
    public string SourceOf(Setting setting) => _chosen.TryGetValue(setting.Name, out var chosen) ? chosen.Source : DefaultSource;

    /// <summary>
    /// Applies <paramref name="lowestFirst"/> in order: a setting takes every value of the highest
    /// source that gives it (a repeated setting is not merged across sources, as in Gunicorn).
    /// </summary>
    public static EffectiveSettings Merge(IEnumerable<SettingLayer> lowestFirst, IReadOnlyList<string> hooks,
        IReadOnlyList<string> unsupported, IReadOnlyList<string> warnings)
    {
        var chosen = new Dictionary<string, (IReadOnlyList<string>, string)>(StringComparer.Ordinal);
        foreach (var layer in lowestFirst)
        {
            foreach (var setting in Settings.All)
            {
                if (layer.Has(setting))
                {
                    chosen[setting.Name] = (layer.GetAll(setting), layer.Source);
                }
            }
        }
        return new EffectiveSettings(chosen, hooks) { Unsupported = unsupported, Warnings = warnings };
    }

    /// <summary>The values (not their sources) and hook names, for <see cref="HandoffVariable"/>.</summary>
    public string ToHandoff()
    {
        var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteStartObject("settings");
            foreach (var (name, (values, _)) in _chosen)
            {
                writer.WriteStartArray(name);
                foreach (var value in values)
                {
                    writer.WriteStringValue(value);
                }
                writer.WriteEndArray();
            }
            writer.WriteEndObject();
            writer.WriteStartArray("hooks");
            foreach (var hook in HookNames)
            {
                writer.WriteStringValue(hook);
            }
            writer.WriteEndArray();
            writer.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    /// <summary>What the master handed over; the source of every value is "master".</summary>
    public static EffectiveSettings FromHandoff(string json)
    {
        using var document = JsonDocument.Parse(json);
        var chosen = new Dictionary<string, (IReadOnlyList<string>, string)>(StringComparer.Ordinal);
        foreach (var property in document.RootElement.GetProperty("settings").EnumerateObject())
        {
            chosen[property.Name] = (property.Value.EnumerateArray().Select(v => v.GetString() ?? "").ToList(), "master");
        }
        var hooks = document.RootElement.GetProperty("hooks").EnumerateArray().Select(v => v.GetString() ?? "").ToList();
        return new EffectiveSettings(chosen, hooks);
    }

    /// <summary>
    /// Every setting as a JSON object of Python-typed values (int, bool, list, str or null), for the
    /// <c>cfg</c> object hooks receive.
    /// </summary>
    public string ToPythonJson()
    {
        var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            foreach (var setting in Settings.All)
            {
                if (setting.IsAction)
                {
                    continue;
                }
                var values = Has(setting) ? GetAll(setting) : setting.Default is { } d ? [d] : [];
                writer.WritePropertyName(setting.Name);
                switch (setting.Kind)
                {
                    case SettingKind.Flag:
                        writer.WriteBooleanValue(values.Count > 0 && values[^1] == "true");
                        break;
                    case SettingKind.Integer when values.Count > 0 && long.TryParse(values[^1].Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var number):
                        writer.WriteNumberValue(number);
                        break;
                    case SettingKind.Repeated:
                        writer.WriteStartArray();
                        foreach (var value in values)
                        {
                            writer.WriteStringValue(value);
                        }
                        writer.WriteEndArray();
                        break;
                    default:
                        if (values.Count > 0)
                        {
                            writer.WriteStringValue(values[^1]);
                        }
                        else
                        {
                            writer.WriteNullValue();
                        }
                        break;
                }
            }
            writer.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.ToArray());
    }
}
