namespace Dram.Wsgi.Hooks;

/// <summary>Which process a server hook runs in.</summary>
public enum HookProcess
{
    /// <summary>The master, which has an interpreter only when a config file is used.</summary>
    Master,

    /// <summary>Each worker, with the app loaded.</summary>
    Worker,
}

/// <summary>
/// A server hook a config file may define, with Gunicorn's name and arguments. Declared once: the
/// config loader checks the callable against it, docs/settings.md lists it.
/// </summary>
public sealed record Hook(string Name, string[] Parameters, HookProcess Process, string When)
{
    /// <summary>Fewer arguments the callable may take instead (post_request also accepts (worker, req) and (worker, req, environ), as in Gunicorn).</summary>
    public int[] ShorterForms { get; init; } = [];

    public string Signature => $"{Name}({string.Join(", ", Parameters)})";
}
