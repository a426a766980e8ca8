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

    /// <summary>
    /// How long a Python thread waits on a client that has stalled outright (sends no byte of the
    /// body the app is reading, or accepts no byte of the response it is sending) before the
    /// connection is closed and the thread freed for other requests. nginx's client_body_timeout
    /// and send_timeout measure the same silence (60 s there); 30 s matches the time a client gets
    /// for its request head.
    /// </summary>
    public TimeSpan ClientStallLimit { get; init; } = TimeSpan.FromSeconds(30);

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
