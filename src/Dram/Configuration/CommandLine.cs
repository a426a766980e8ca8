namespace Dram.Configuration;

/// <summary>
/// Parses arguments the way Gunicorn's argparse does: <c>--flag value</c>, <c>--flag=value</c>,
/// <c>-b value</c>, <c>-bvalue</c>, repeated flags, and one positional APP_MODULE.
/// </summary>
public sealed class CommandLine
{
    private readonly Dictionary<string, List<string>> _values = [];
    private readonly List<string> _ignored = [];

    /// <summary>Gunicorn flags given that Dram accepts but does not act on (warned about at start-up).</summary>
    public IReadOnlyList<string> Ignored => _ignored;

    private CommandLine()
    {
    }

    public string? AppModule { get; private set; }

    public bool Has(Setting setting) => _values.ContainsKey(setting.Name);

    /// <summary>The last value given for a setting, or null.</summary>
    public string? Get(Setting setting) => _values.TryGetValue(setting.Name, out var list) ? list[^1] : null;

    public IReadOnlyList<string> GetAll(Setting setting) => _values.TryGetValue(setting.Name, out var list) ? list : [];

    public static CommandLine Parse(IReadOnlyList<string> args)
    {
        var byFlag = new Dictionary<string, Setting>(StringComparer.Ordinal);
        foreach (var setting in Settings.All)
        {
            foreach (var flag in setting.Flags)
            {
                byFlag[flag] = setting;
            }
        }

        var parsed = new CommandLine();
        var onlyPositional = false;
        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            if (onlyPositional || arg == "-" || !arg.StartsWith('-'))
            {
                if (parsed.AppModule is not null)
                {
                    throw new UsageException($"unexpected argument '{arg}': only one APP_MODULE may be given (already have '{parsed.AppModule}')");
                }
                parsed.AppModule = arg;
                continue;
            }
            if (arg == "--")
            {
                onlyPositional = true;
                continue;
            }

            string flag;
            string? inlineValue = null;
            if (arg.StartsWith("--", StringComparison.Ordinal))
            {
                var eq = arg.IndexOf('=');
                flag = eq < 0 ? arg : arg[..eq];
                inlineValue = eq < 0 ? null : arg[(eq + 1)..];
            }
            else
            {
                flag = arg.Length > 2 ? arg[..2] : arg;
                inlineValue = arg.Length > 2 ? arg[2..] : null;
            }

            if (!byFlag.TryGetValue(flag, out var setting))
            {
                if (GunicornOnlyFlags.RefusalReason(flag) is { } reason)
                {
                    throw new UsageException($"{flag}: {reason}");
                }
                if (GunicornOnlyFlags.IsIgnored(flag, out var takesValue))
                {
                    if (takesValue && inlineValue is null && i + 1 < args.Count)
                    {
                        inlineValue = args[++i];
                    }
                    parsed._ignored.Add(inlineValue is null ? flag : $"{flag} {inlineValue}");
                    continue;
                }
                throw new UsageException($"unrecognized argument '{flag}' (see dram --help for the supported settings)");
            }
            if (setting.Kind == SettingKind.Flag)
            {
                if (inlineValue is not null)
                {
                    throw new UsageException($"{flag} takes no value");
                }
                parsed.Add(setting, "true");
                continue;
            }
            var value = inlineValue;
            if (value is null)
            {
                if (i + 1 >= args.Count)
                {
                    throw new UsageException($"{flag} needs a value ({setting.Metavar})");
                }
                value = args[++i];
            }
            Check(setting, flag, value);
            parsed.Add(setting, value);
        }
        return parsed;
    }

    private static void Check(Setting setting, string flag, string value)
    {
        if (setting.Kind == SettingKind.Integer && (!int.TryParse(value, out var number) || number < 0))
        {
            throw new UsageException($"{flag} {value}: not a whole number >= 0");
        }
        if (setting.Validate?.Invoke(value) is { } problem)
        {
            throw new UsageException($"{flag} {value}: {problem}");
        }
    }

    private void Add(Setting setting, string value)
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

    public static string HelpText()
    {
        var lines = new List<string>
        {
            "usage: dram [OPTIONS] APP_MODULE",
            "",
            "Serve a WSGI application with Kestrel and CPython embedded in-process.",
            "APP_MODULE is MODULE[:CALLABLE] (CALLABLE defaults to 'application'), e.g.",
            "  dram mysite.wsgi              dram app:app              dram 'pkg.app:create_app(\"prod\")'",
            "",
            "options:",
        };
        foreach (var setting in Settings.All)
        {
            var flags = string.Join(", ", setting.Flags) + (setting.Metavar.Length > 0 ? " " + setting.Metavar : "");
            var help = setting.Help + (setting.Default is not null && !setting.Help.Contains("Default", StringComparison.Ordinal) ? $" [{setting.Default}]" : "");
            lines.Add($"  {flags,-28} {help}");
        }
        lines.Add("");
        lines.Add("Other Gunicorn flags (--preload, -k, --log-config, ...) are accepted with a warning that they");
        lines.Add("are not acted on yet; -c/--config, --daemon and --check-config are refused.");
        return string.Join('\n', lines);
    }
}
