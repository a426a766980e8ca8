using Dram.Python;
using Dram.Python.Native;
using Dram.Wsgi.Hooks;

namespace Dram.Configuration;

/// <summary>
/// What a config file's module-level names say: the settings it gives (a layer below
/// GUNICORN_CMD_ARGS, DRAM_CMD_ARGS and the command line), the hooks it defines, and what deserves a
/// warning: Gunicorn settings Dram does not act on, and names that look like a mistyped setting.
/// Every other name is the file's own business (imports, helper variables) and is left alone.
/// </summary>
public sealed unsafe class ConfigFileSettings
{
    private ConfigFileSettings(SettingLayer layer)
    {
        Layer = layer;
    }

    public SettingLayer Layer { get; }

    /// <summary>Names of the server hooks the file defines.</summary>
    public List<string> HookNames { get; } = [];

    /// <summary>Gunicorn settings given that Dram does not act on, for the start-up warning.</summary>
    public List<string> Unsupported { get; } = [];

    public List<string> Warnings { get; } = [];

    /// <summary>Reads the executed <paramref name="file"/>; the GIL must be held. A bad value is a usage error.</summary>
    public static ConfigFileSettings Read(ConfigFile file)
    {
        var source = file.Location;
        var read = new ConfigFileSettings(new SettingLayer(source));
        var entries = Py.Call(Py.BorrowItem(ConfigFile.Helper, "entries"), file.Namespace);
        try
        {
            var count = CApi.PyList_Size(entries);
            for (nint i = 0; i < count; i++)
            {
                var entry = CApi.PyList_GetItem(entries, i);
                var name = Py.ToStringOrNull(CApi.PyTuple_GetItem(entry, 0)) ?? "";
                var value = new ConfigValue.Described(
                    Py.ToStringOrNull(CApi.PyTuple_GetItem(entry, 1)) ?? "other",
                    Strings(CApi.PyTuple_GetItem(entry, 2)),
                    Py.ToStringOrNull(CApi.PyTuple_GetItem(entry, 3)) ?? "?",
                    Py.ToStringOrNull(CApi.PyTuple_GetItem(entry, 4)) ?? "object");
                read.Take(file, name, value);
            }
        }
        finally
        {
            Py.DecRef(entries);
        }
        return read;
    }

    private void Take(ConfigFile file, string name, ConfigValue.Described value)
    {
        var source = file.Location;
        if (Settings.Find(name) is { } setting)
        {
            if (!setting.InConfigFile)
            {
                // --version or --help as a name is the file's own variable; config, python and the
                // Gunicorn actions are settings someone expected to work here.
                var meantAsSetting = !setting.IsAction || GunicornSettings.IsGunicornName(name);
                if (meantAsSetting && value.Kind != "none" && !(value.Kind == "bool" && value.Texts[0] == "false"))
                {
                    Warnings.Add($"{source}: {name} = {value.Repr} is ignored: {name} can only be given on the command line ({setting.Flags[^1]}) or in DRAM_CMD_ARGS/GUNICORN_CMD_ARGS");
                }
                return;
            }
            foreach (var text in ConfigValue.ToSettingValues(setting, value, source))
            {
                Layer.Add(setting, text);
            }
            return;
        }
        if (ServerHooks.Find(name) is { } hook)
        {
            if (value.Kind == "none")
            {
                return;
            }
            if (value.Kind != "callable")
            {
                throw new UsageException($"{source}: {name} = {value.Repr}: a server hook must be a function, e.g. def {hook.Signature}: ...");
            }
            CheckArity(file, hook);
            HookNames.Add(name);
            return;
        }
        var unset = value.Kind == "none" || (value.Kind == "bool" && value.Texts[0] == "false");
        if (GunicornSettings.HookWithoutMeaning(name) is { } why)
        {
            if (!unset)
            {
                Unsupported.Add($"the {name} hook in {source} ({why})");
            }
            return;
        }
        if (GunicornSettings.IsGunicornName(name))
        {
            // An unset Gunicorn setting asks for nothing: config files often list every setting with its default.
            if (unset)
            {
                return;
            }
            if (GunicornSettings.FlagOf(name) is { } flag && GunicornOnlyFlags.RefusalReason(flag) is { } reason)
            {
                throw new UsageException($"{source}: {name} = {value.Repr}: {reason}");
            }
            Unsupported.Add($"{name} = {value.Repr} in {source} (a Gunicorn setting Dram does not act on yet)");
            return;
        }
        if (value.Kind != "callable" && NameSuggestion.Closest(name, KnownNames()) is { } meant)
        {
            Warnings.Add($"{source}: '{name}' is not a setting and is ignored; did you mean '{meant}'?");
        }
        else if (value.Kind == "callable" && NameSuggestion.Closest(name, ServerHooks.All.Select(h => h.Name)) is { } meantHook)
        {
            Warnings.Add($"{source}: '{name}' is not a server hook and is never called; did you mean '{meantHook}'?");
        }
    }

    private static void CheckArity(ConfigFile file, Hook hook)
    {
        var counts = Py.Check(CApi.PyList_New(0));
        try
        {
            foreach (var count in (int[])[hook.Parameters.Length, .. hook.ShorterForms])
            {
                var number = Py.NewInt(count);
                CApi.PyList_Append(counts, number);
                Py.DecRef(number);
            }
            var accepted = Py.Call(Py.BorrowItem(ConfigFile.Helper, "accepted_arity"), Py.BorrowItem(file.Namespace, hook.Name), counts);
            var arity = CApi.PyLong_AsSsize_t(accepted);
            Py.DecRef(accepted);
            if (arity < 0)
            {
                var forms = hook.ShorterForms.Length == 0 ? "" : $", or the first {string.Join(" or ", hook.ShorterForms)} of them";
                throw new UsageException($"{file.Location}: the {hook.Name} hook is called with ({string.Join(", ", hook.Parameters)}){forms}; define it as def {hook.Signature}: ...");
            }
        }
        finally
        {
            Py.DecRef(counts);
        }
    }

    private static IEnumerable<string> KnownNames() =>
        Settings.All.Where(s => s.InConfigFile).Select(s => s.Name)
            .Concat(GunicornSettings.Names);

    private static List<string> Strings(nint list)
    {
        var count = CApi.PyList_Size(list);
        var strings = new List<string>((int)count);
        for (nint i = 0; i < count; i++)
        {
            strings.Add(Py.ToStringOrNull(CApi.PyList_GetItem(list, i)) ?? "");
        }
        return strings;
    }
}
