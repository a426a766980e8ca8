using System.Text;
using Dram.Wsgi.Hooks;

namespace Dram.Configuration;

/// <summary>
/// docs/settings.md, generated from <see cref="Settings.All"/> and <see cref="ServerHooks.All"/> so the
/// reference cannot drift from the code (a test compares the committed file with this output).
/// </summary>
public static class SettingsReference
{
    /// <summary>The command that rewrites docs/settings.md, named by the test when the file is stale.</summary>
    public const string RegenerateCommand = "dotnet run scripts/settings-doc.cs";

    public static string Markdown()
    {
        var md = new StringBuilder();
        md.Append("# Settings\n\n");
        md.Append($"<!-- Generated from src/Dram/Configuration/Settings.cs and src/Dram.Wsgi/Hooks/ServerHooks.cs by `{RegenerateCommand}`; edit those, not this file. -->\n\n");
        md.Append("Every setting has a name, which is also its name in a config file (`workers = 4`), and most have a\n");
        md.Append("command-line flag (`--workers 4`). The names and flags are Gunicorn's wherever Gunicorn has the setting.\n\n");

        md.Append("## Where settings come from\n\n");
        md.Append("Each source overrides the ones above it, as in Gunicorn:\n\n");
        md.Append("1. the default;\n");
        md.Append("2. an environment variable the setting reads (the *environment* column below), such as `WEB_CONCURRENCY` for `workers`;\n");
        md.Append("3. the config file: `-c FILE` (or `file:FILE`), `-c python:MODULE` to import a module, or else\n");
        md.Append($"   `./{ConfigFile.DramDefault}` or `./{ConfigFile.GunicornDefault}` in the directory dram starts in (`{ConfigFile.DramDefault}` is read\n");
        md.Append("   when both exist, with a warning);\n");
        md.Append($"4. `{SettingsResolver.GunicornArgsVariable}`, flags in an environment variable, split as a shell would;\n");
        md.Append($"5. `{SettingsResolver.DramArgsVariable}`, the same, winning over `{SettingsResolver.GunicornArgsVariable}`;\n");
        md.Append("6. the command line.\n\n");
        md.Append("A repeated setting (`bind`, `raw_env`, `static_map`) takes all its values from the highest source that\n");
        md.Append("gives it; sources are not merged. `dram --print-config` prints every setting with its value and source;\n");
        md.Append("`dram --check-config` checks them and imports the app, binding nothing. The master resolves the\n");
        md.Append("settings once and hands them to its workers.\n\n");

        md.Append("## Config files\n\n");
        md.Append("A config file is Python, executed by the interpreter the workers use (chosen by `--python`,\n");
        md.Append("`$VIRTUAL_ENV` or `python3`; so `python` itself cannot be set in it). Its module-level names are read:\n\n");
        md.Append("- a setting's name sets it; a value of `None` leaves the setting as it was;\n");
        md.Append("- a list or tuple gives a repeated setting its values, and a comma-separated setting (`pythonpath`,\n");
        md.Append("  `forwarded_allow_ips`) its items; a dict gives `KEY=VALUE` items the same way;\n");
        md.Append("- `True`/`False` turn a flag on or leave it off; numbers are taken as written (`umask = 0o22` works);\n");
        md.Append("- values pass the same checks as on the command line, and a bad one stops dram before anything is bound\n");
        md.Append("  (exit code 2) with the file, the setting, the value and what is accepted;\n");
        md.Append("- a function named after a server hook (below) is that hook;\n");
        md.Append("- a Gunicorn setting Dram does not act on is named in a start-up warning (or refused, like the\n");
        md.Append("  flag: `daemon = True`); a name that looks like a mistyped setting gets a \"did you mean\" warning;\n");
        md.Append("  anything else (imports, helper variables) is the file's own business.\n\n");

        md.Append("## Settings\n\n");
        md.Append("| name | flags | environment | default | meaning |\n");
        md.Append("|---|---|---|---|---|\n");
        foreach (var setting in Settings.All)
        {
            var name = setting.InConfigFile ? $"`{setting.Name}`" : $"`{setting.Name}` (not in config files)";
            var flags = setting.Flags.Length == 0
                ? "APP_MODULE argument"
                : string.Join(", ", setting.Flags.Select(f => $"`{f}`")) + (setting.Metavar.Length > 0 ? $" `{setting.Metavar}`" : "");
            var environment = setting.EnvironmentVariable is { } variable ? $"`{variable}`" : "";
            var fallback = setting.Kind == SettingKind.Flag ? "off" : "";
            var defaultValue = setting.Default is { } d ? $"`{d}`" : fallback;
            md.Append($"| {name} | {flags} | {environment} | {defaultValue} | {Cell(setting.Help)} |\n");
        }
        md.Append('\n');

        md.Append("## Server hooks\n\n");
        md.Append("Functions in the config file with these names are called with Gunicorn's arguments. A hook that\n");
        md.Append("raises is logged with its traceback and the server (and the request) carries on. Master hooks run in\n");
        md.Append("the master, which has an interpreter only when a config file is read; worker hooks run in each worker,\n");
        md.Append("which executes the config file again for them (its settings come from the master). `pre_request` and\n");
        md.Append("`post_request` run on the request's Python thread and cost nothing when they are not defined.\n\n");
        md.Append("| hook | runs in | when |\n");
        md.Append("|---|---|---|\n");
        foreach (var hook in ServerHooks.All)
        {
            md.Append($"| `{hook.Signature}` | {(hook.Process == HookProcess.Master ? "master" : "worker")} | {Cell(hook.When)}");
            if (hook.ShorterForms.Length > 0)
            {
                md.Append($" It may take only the first {string.Join(" or ", hook.ShorterForms)} arguments.");
            }
            md.Append(" |\n");
        }
        md.Append('\n');
        md.Append("What the hooks receive:\n\n");
        md.Append("- `server`: `cfg` (every setting as an attribute: `server.cfg.workers`, `server.cfg.bind`), `pid` (the\n");
        md.Append("  master's), `num_workers`, `log`;\n");
        md.Append("- `worker`: `pid`, `ppid` (the master), `age` (1 for the first worker started, counting up), `cfg`, `log`;\n");
        md.Append("- `req`: `method`, `uri` (the request target as sent), `path`, `query`, `fragment`, `version` (`(1, 1)`),\n");
        md.Append("  `headers` (a list of `(NAME, value)`, names upper-cased);\n");
        md.Append("- `resp`: `status` (`'200 OK'`), `status_code`, `headers` (a list of `(name, value)`), `sent` (body bytes);\n");
        md.Append("- `log`: `debug`, `info`, `warning`, `error`, `critical`, `exception` (adds the current traceback),\n");
        md.Append("  `printf`-style arguments as in `logging`; lines go to the error log.\n\n");
        md.Append("Gunicorn's `pre_fork`, `post_fork` and `pre_exec` have no meaning for Dram, which starts each worker\n");
        md.Append("as a new process rather than a fork: use `post_worker_init`. Defining them gets a start-up warning.\n");
        return md.ToString();
    }

    private static string Cell(string text) => text.Replace("|", "\\|", StringComparison.Ordinal).Replace("\n", " ", StringComparison.Ordinal);
}
