using System.Text;

namespace Dram.Configuration;

/// <summary>
/// --print-config: every effective setting as a Python assignment (so the output reads like a
/// config file), each with where its value came from, then the server hooks the config file defines.
/// </summary>
public static class ConfigReport
{
    public static string Render(EffectiveSettings settings)
    {
        var rows = new List<(string Name, string Value, string Source)>();
        foreach (var setting in Settings.All)
        {
            if (setting.IsAction)
            {
                continue;
            }
            var values = settings.Has(setting) ? settings.GetAll(setting) : setting.Default is { } d ? [d] : [];
            rows.Add((setting.Name, SettingValue.AsPython(setting, values), settings.SourceOf(setting)));
        }
        var configFile = settings.Get(Settings.Config) ?? "";
        foreach (var hook in settings.HookNames)
        {
            rows.Add((hook, "<server hook>", configFile));
        }

        var nameWidth = rows.Max(r => r.Name.Length);
        var valueWidth = Math.Min(40, rows.Max(r => r.Value.Length));
        var text = new StringBuilder();
        text.Append("# Effective settings; each source overrides the ones before it: default, ")
            .Append("environment variable, config file, GUNICORN_CMD_ARGS, DRAM_CMD_ARGS, command line.\n");
        foreach (var (name, value, source) in rows)
        {
            text.Append(name.PadRight(nameWidth)).Append(" = ").Append(value.PadRight(valueWidth)).Append("  # ").Append(source).Append('\n');
        }
        return text.ToString();
    }
}
