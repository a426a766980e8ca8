using System.Globalization;

namespace Dram.Configuration;

/// <summary>
/// The one place a config-file value becomes a setting's text, the form the command line gives:
/// by the setting's kind, a list becomes repeated values or a comma-separated list, a dict becomes
/// KEY=VALUE items, a bool a flag, a number its digits. The texts then pass the same checks as flags.
/// </summary>
public static class ConfigValue
{
    /// <summary>What Python made of a value (config_file.py): its kind and its items as text.</summary>
    public readonly record struct Described(string Kind, IReadOnlyList<string> Texts, string Repr, string TypeName);

    /// <summary>
    /// The setting's values, none when the value leaves the setting unset (None, or False for a
    /// flag); throws a usage error naming <paramref name="source"/>, the setting, the value and what is accepted.
    /// </summary>
    public static IReadOnlyList<string> ToSettingValues(Setting setting, Described value, string source)
    {
        var texts = Convert(setting, value) ?? throw Refuse(setting, value, source, $"{Article(value)} is not accepted; {Accepted(setting)}");
        foreach (var text in texts)
        {
            if (SettingValue.Problem(setting, text) is { } problem)
            {
                throw Refuse(setting, value, source, problem);
            }
        }
        return texts;
    }

    /// <summary>The texts, or null when the value's type does not fit the setting's kind.</summary>
    private static IReadOnlyList<string>? Convert(Setting setting, Described value)
    {
        if (value.Kind == "none")
        {
            return [];
        }
        switch (setting.Kind)
        {
            case SettingKind.Flag:
                var on = value.Kind switch
                {
                    "bool" => value.Texts[0] == "true",
                    "int" when value.Texts[0] is "0" or "1" => value.Texts[0] == "1",
                    "str" when value.Texts[0].Trim().ToLowerInvariant() is "true" or "false" => value.Texts[0].Trim().Equals("true", StringComparison.OrdinalIgnoreCase),
                    _ => (bool?)null,
                };
                return on switch
                {
                    null => null,
                    true => ["true"],
                    false => [],
                };
            case SettingKind.Integer:
                return value.Kind switch
                {
                    "int" or "str" => [value.Texts[0].Trim()],
                    "float" when double.TryParse(value.Texts[0], NumberStyles.Float, CultureInfo.InvariantCulture, out var number)
                        && number == Math.Floor(number) && Math.Abs(number) < int.MaxValue => [((long)number).ToString(CultureInfo.InvariantCulture)],
                    _ => null,
                };
            case SettingKind.Repeated:
                return value.Kind is "str" or "int" or "float" or "list" or "dict" ? value.Texts : null;
            default:
                return value.Kind switch
                {
                    "str" or "int" or "float" or "bool" => value.Texts,
                    "list" or "dict" => [string.Join(',', value.Texts)],
                    _ => null,
                };
        }
    }

    private static UsageException Refuse(Setting setting, Described value, string source, string problem) =>
        new($"{source}: {setting.Name} = {value.Repr}: {problem}");

    private static string Article(Described value)
    {
        var name = value.Kind switch
        {
            "float" => "a non-whole number",
            "nested" => "a list or dict holding more than strings and numbers",
            "callable" => "a function",
            _ => value.TypeName,
        };
        return name.StartsWith("a ", StringComparison.Ordinal) ? name
            : ("aeiou".Contains(char.ToLowerInvariant(name[0])) ? "an " : "a ") + name;
    }

    /// <summary>What the setting takes, with an example.</summary>
    public static string Accepted(Setting setting)
    {
        var example = setting.Default is { } d ? SettingValue.AsPython(setting, [d]) : null;
        return setting.Kind switch
        {
            SettingKind.Flag => $"{setting.Name} takes True or False",
            SettingKind.Integer => $"{setting.Name} takes a whole number, e.g. {setting.Name} = {example ?? "4"}",
            SettingKind.Repeated => $"{setting.Name} takes a string or a list of strings ({setting.Metavar}), e.g. {setting.Name} = {example ?? $"['{setting.Metavar}']"}",
            _ => $"{setting.Name} takes a string ({setting.Metavar}){(example is null ? "" : $", e.g. {setting.Name} = {example}")}",
        };
    }
}
