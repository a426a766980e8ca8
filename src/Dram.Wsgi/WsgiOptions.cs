namespace Dram.Wsgi;

/// <summary>What the WSGI layer needs to know about the server it runs in.</summary>
public sealed class WsgiOptions
{
    /// <summary>Python threads that run the app (<c>--threads</c>).</summary>
    public int Threads { get; init; } = 1;

    /// <summary>True when more than one worker process serves the app (<c>wsgi.multiprocess</c>).</summary>
    public bool MultiProcess { get; init; }

    /// <summary>The mount point (<c>SCRIPT_NAME</c>), from <c>--root-path</c> or the SCRIPT_NAME variable; "" or "/app".</summary>
    public string ScriptName { get; init; } = "";

    public string ServerSoftware { get; init; } = "dram";

    /// <summary>Proxies allowed to set the client address and scheme through X-Forwarded-* headers.</summary>
    public ForwardedTrust Forwarded { get; init; } = ForwardedTrust.Nobody;

    /// <summary>Where each request's line goes (<c>--access-logfile</c>); null when there is no access log.</summary>
    public Logs.AccessLog? AccessLog { get; init; }
}
