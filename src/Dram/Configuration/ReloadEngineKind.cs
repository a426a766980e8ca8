namespace Dram.Configuration;

/// <summary>How <c>--reload</c> notices that a watched file changed (<c>--reload-engine</c>, Gunicorn's names).</summary>
public enum ReloadEngineKind
{
    /// <summary>inotify, falling back to polling where inotify cannot be used.</summary>
    Auto,

    /// <summary>Compare each file's modification time and size once a second.</summary>
    Poll,

    /// <summary>Kernel notifications (inotify) for the directories holding the files.</summary>
    Inotify,
}

public static class ReloadEngineKinds
{
    public static bool TryParse(string text, out ReloadEngineKind engine)
    {
        (var known, engine) = text switch
        {
            "auto" => (true, ReloadEngineKind.Auto),
            "poll" => (true, ReloadEngineKind.Poll),
            "inotify" => (true, ReloadEngineKind.Inotify),
            _ => (false, ReloadEngineKind.Auto),
        };
        return known;
    }
}
