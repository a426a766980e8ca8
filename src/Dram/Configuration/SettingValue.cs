using System.Globalization;

namespace Dram.Configuration;

/// <summary>The checks every value passes whatever its source, so a config file and a flag accept the same things.</summary>
public static class SettingValue
{
    /// <summary>What is wrong with <paramref name="value"/> for <paramref name="setting"/>, or null when it is accepted.</summary>
    public static string? Problem(Setting setting, string value)
    {
        if (setting.Kind == SettingKind.Integer
            && (!int.TryParse(value.Trim(), NumberStyles.AllowLeadingWhite | NumberStyles.AllowTrailingWhite, CultureInfo.InvariantCulture, out var number) || number < 0))
        {
            return "not a whole number >= 0";
        }
        return setting.Validate?.Invoke(setting.Kind == SettingKind.Integer ? value.Trim() : value);
    }

    /// <summary>The value as a Python literal, as a config file would write it (--print-config).</summary>
    public static string AsPython(Setting setting, IReadOnlyList<string> values)
    {
        return setting.Kind switch
        {
            SettingKind.Flag => values.Count > 0 && values[^1] == "true" ? "True" : "False",
            SettingKind.Integer when values.Count > 0 => values[^1].Trim(),
            SettingKind.Repeated => "[" + string.Join(", ", values.Select(PythonString)) + "]",
            _ => values.Count > 0 ? PythonString(values[^1]) : "None",
        };
    }

    /// <summary>A Python string literal for <paramref name="text"/>.</summary>
    public static string PythonString(string text)
    {
        var quote = text.Contains('\'') && !text.Contains('"') ? '"' : '\'';
        var escaped = new System.Text.StringBuilder(text.Length + 2).Append(quote);
        foreach (var c in text)
        {
            switch (c)
            {
                case '\\':
                    escaped.Append(@"\\");
                    break;
                case '\n':
                    escaped.Append(@"\n");
                    break;
                case '\r':
                    escaped.Append(@"\r");
                    break;
                case '\t':
                    escaped.Append(@"\t");
                    break;
                default:
                    if (c == quote)
                    {
                        escaped.Append('\\');
                    }
                    escaped.Append(c);
                    break;
            }
        }
        return escaped.Append(quote).ToString();
    }
}
