using Dram.Python;

namespace Dram.Configuration;

/// <summary>
/// Works out the settings of a run from every source, with Gunicorn's precedence, lowest first:
/// defaults; environment variables a setting reads (WEB_CONCURRENCY, PORT, FORWARDED_ALLOW_IPS,
/// SCRIPT_NAME); the config file; GUNICORN_CMD_ARGS; DRAM_CMD_ARGS; the command line. Only the
/// master does this; reading a config file starts the embedded interpreter in it.
/// </summary>
public static class SettingsResolver
{
    public const string GunicornArgsVariable = "GUNICORN_CMD_ARGS";
    public const string DramArgsVariable = "DRAM_CMD_ARGS";
    public const string FoundInDirectory = "found in the current directory";

    /// <summary>The settings, and the executed config file (for the master's hooks), or null when none was read.</summary>
    public sealed record Resolution(EffectiveSettings Settings, ConfigFile? ConfigFile);

    /// <summary>
    /// Resolves the settings for <paramref name="commandLine"/>. <paramref name="args"/> become
    /// <c>sys.argv</c> if the interpreter is started to read a config file. Throws
    /// <see cref="UsageException"/> for any bad value, naming its source; <see cref="PythonLoadException"/>
    /// when the interpreter needed for the config file cannot start.
    /// </summary>
    public static Resolution Resolve(CommandLine commandLine, IReadOnlyList<string> args, Func<string, string?> environment)
    {
        var layers = new List<SettingLayer>();
        foreach (var setting in Settings.All)
        {
            if (FromVariable(setting, environment) is { } layer)
            {
                layers.Add(layer);
            }
        }
        // Lowest first: GUNICORN_CMD_ARGS, DRAM_CMD_ARGS, the real command line.
        var commandLines = new[] { ParseVariable(GunicornArgsVariable, environment), ParseVariable(DramArgsVariable, environment), commandLine }
            .OfType<CommandLine>()
            .ToList();

        var warnings = new List<string>();
        var unsupported = new List<string>();
        foreach (var line in commandLines)
        {
            var from = line == commandLine ? "" : $" (from {line.Layer.Source})";
            unsupported.AddRange(line.Ignored.Select(flag => $"{flag}{from} (a Gunicorn setting Dram does not act on yet)"));
        }

        var directory = Directory.GetCurrentDirectory();
        var configBy = Highest(commandLines, Settings.Config);
        var location = ConfigFile.Locate(configBy?.Get(Settings.Config), configBy?.Layer.Source ?? "", directory, warnings);
        ConfigFile? file = null;
        IReadOnlyList<string> hooks = [];
        if (location is not null)
        {
            // Workers and --print-config see where the file really is, whatever directory they run in.
            if (configBy is not null)
            {
                configBy.Layer.Add(Settings.Config, location);
            }
            else
            {
                var found = new SettingLayer(FoundInDirectory);
                found.Add(Settings.Config, location);
                layers.Add(found);
            }
            StartPython(commandLines, args, directory);
            file = ConfigFile.Execute(location);
            var read = ConfigFileSettings.Read(file);
            layers.Add(read.Layer);
            warnings.AddRange(read.Warnings);
            unsupported.AddRange(read.Unsupported);
            hooks = read.HookNames;
        }
        layers.AddRange(commandLines.Select(line => line.Layer));
        return new Resolution(EffectiveSettings.Merge(layers, hooks, unsupported, warnings), file);
    }

    /// <summary>The value an environment variable gives a setting (WEB_CONCURRENCY for workers), checked like any other.</summary>
    private static SettingLayer? FromVariable(Setting setting, Func<string, string?> environment)
    {
        if (setting.EnvironmentVariable is not { } variable || environment(variable) is not { Length: > 0 } text)
        {
            return null;
        }
        var value = setting.FromEnvironment is { } convert ? convert(text) : text;
        if (value is null)
        {
            return null;
        }
        if (SettingValue.Problem(setting, value) is { } problem)
        {
            throw new UsageException($"{variable}={text}: {problem} (it sets {setting.Name}, {string.Join("/", setting.Flags)})");
        }
        var layer = new SettingLayer(variable);
        layer.Add(setting, value);
        return layer;
    }

    /// <summary>GUNICORN_CMD_ARGS or DRAM_CMD_ARGS split as a shell would and parsed like the command line.</summary>
    private static CommandLine? ParseVariable(string variable, Func<string, string?> environment)
    {
        if (environment(variable) is not { } text || string.IsNullOrWhiteSpace(text))
        {
            return null;
        }
        CommandLine line;
        try
        {
            line = CommandLine.Parse(ShellWords.Split(text), variable);
        }
        catch (FormatException e)
        {
            throw new UsageException($"{variable}: {e.Message}");
        }
        catch (UsageException e)
        {
            throw new UsageException($"{variable}: {e.Message}");
        }
        if (line.AppModule is { } app)
        {
            throw new UsageException($"{variable}: unexpected argument '{app}': give the APP_MODULE on the command line, or as wsgi_app in the config file");
        }
        return line;
    }

    /// <summary>The highest command line (the real one, then DRAM_CMD_ARGS, then GUNICORN_CMD_ARGS) that gives <paramref name="setting"/>.</summary>
    private static CommandLine? Highest(List<CommandLine> lowestFirst, Setting setting)
    {
        for (var i = lowestFirst.Count - 1; i >= 0; i--)
        {
            if (lowestFirst[i].Has(setting))
            {
                return lowestFirst[i];
            }
        }
        return null;
    }

    /// <summary>
    /// Starts the interpreter the workers will use (--python, which a config file cannot set) to read
    /// the config file, with the directories a config module is imported from at the front of sys.path.
    /// </summary>
    private static void StartPython(List<CommandLine> commandLines, IReadOnlyList<string> args, string directory)
    {
        var python = Highest(commandLines, Settings.Python)?.Get(Settings.Python);
        var installation = PythonInstallation.Discover(python is not null && python.Contains('/') ? Path.GetFullPath(python) : python);
        PythonRuntime.Initialize(installation, ["dram", .. args]);
        var paths = new List<string>();
        if (Highest(commandLines, Settings.Chdir)?.Get(Settings.Chdir) is { } chdir)
        {
            paths.Add(Path.GetFullPath(chdir));
        }
        paths.Add(directory);
        PythonRuntime.PrependSysPath(paths.Distinct().ToList());
    }
}
