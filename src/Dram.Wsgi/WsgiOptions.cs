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

    /// <summary>The headers by which a trusted proxy says the client used HTTPS (<c>--secure-scheme-headers</c>).</summary>
    public SecureSchemeHeaders SecureSchemeHeaders { get; init; } = SecureSchemeHeaders.None;

    /// <summary>
    /// Connections open with a PROXY protocol header (<c>--proxy-protocol</c>): X-Forwarded-* trust
    /// is then decided on the proxy that sent it, not on the client it named.
    /// </summary>
    public bool ProxyProtocol { get; init; }

    /// <summary>Longest header line in bytes, <c>Name: value</c> and CRLF (<c>--limit-request-field_size</c>); 0: no limit.</summary>
    public int MaxHeaderFieldSize { get; init; }

    /// <summary>Largest request body in bytes (<c>--limit-request-body</c>); 0: no limit.</summary>
    public long MaxRequestBodySize { get; init; }
}
