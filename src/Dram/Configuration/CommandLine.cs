namespace Dram.Configuration;

/// <summary>
/// Parses arguments the way Gunicorn's argparse does: <c>--flag value</c>, <c>--flag=value</c>,
/// <c>-b value</c>, <c>-bvalue</c>, repeated flags, and one positional APP_MODULE.
/// </summary>
public sealed class CommandLine
{
    private readonly List<string> _ignored = [];

    /// <summary>Gunicorn flags given that Dram accepts but does not act on (warned about at start-up).</summary>
    public IReadOnlyList<string> Ignored => _ignored;

    private CommandLine(string source)
    {
        Layer = new SettingLayer(source);
    }

    /// <summary>The settings given, the positional APP_MODULE as <c>wsgi_app</c>.</summary>
    public SettingLayer Layer { get; }

    public string? AppModule => Get(Settings.WsgiApp);

    public bool Has(Setting setting) => Layer.Has(setting);

    /// <summary>The last value given for a setting, or null.</summary>
    public string? Get(Setting setting) => Layer.GetAll(setting) is { Count: > 0 } values ? values[^1] : null;

    public IReadOnlyList<string> GetAll(Setting setting) => Layer.GetAll(setting);

    /// <summary>Parses <paramref name="args"/>; <paramref name="source"/> names where they came from ("command line", "GUNICORN_CMD_ARGS").</summary>
    public static CommandLine Parse(IReadOnlyList<string> args, string source = "command line")
    {
        var byFlag = new Dictionary<string, Setting>(StringComparer.Ordinal);
        foreach (var setting in Settings.All)
        {
            foreach (var flag in setting.Flags)
            {
                byFlag[flag] = setting;
            }
        }

        var parsed = new CommandLine(source);
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
                parsed.Layer.Add(Settings.WsgiApp, arg);
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
                parsed.Layer.Add(setting, "true");
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
            if (SettingValue.Problem(setting, value) is { } problem)
            {
                throw new UsageException($"{flag} {value}: {problem}");
            }
            parsed.Layer.Add(setting, value);
        }
        return parsed;
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
            "It may be left out when the config file sets wsgi_app.",
            "",
            "options:",
        };
        foreach (var setting in Settings.All)
        {
            if (setting.Flags.Length == 0)
            {
                continue;
            }
            var flags = string.Join(", ", setting.Flags) + (setting.Metavar.Length > 0 ? " " + setting.Metavar : "");
            var help = setting.Help + (setting.Default is not null && !setting.Help.Contains("Default", StringComparison.Ordinal) ? $" [{setting.Default}]" : "");
            lines.Add($"  {flags,-28} {help}");
        }
        var variables = string.Join(", ", Settings.All.Where(s => s.EnvironmentVariable is not null).Select(s => s.EnvironmentVariable));
        lines.Add("");
        lines.Add("Settings come from, each overriding the ones before: defaults; the environment variables some");
        lines.Add($"settings read ({variables}); the config file (its module-level names, as in gunicorn.conf.py:");
        lines.Add("workers = 4, bind = [...]); GUNICORN_CMD_ARGS; DRAM_CMD_ARGS; the command line. --print-config shows");
        lines.Add("the result. The config file may also define Gunicorn's server hooks (on_starting, when_ready,");
        lines.Add("post_worker_init, pre_request, post_request, worker_exit, ...). Every setting and hook: docs/settings.md.");
        lines.Add("");
        lines.Add("Other Gunicorn flags (--preload, -k, --log-config, ...) are accepted with a warning that they");
        lines.Add("are not acted on yet; --daemon and --paste are refused.");
        return string.Join('\n', lines);
    }
}
