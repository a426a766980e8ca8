using System.Net;
using Microsoft.Extensions.Primitives;

namespace Dram.Wsgi.Logs;

/// <summary>
/// What one request's access log line is made from, captured as the request ends. Entries are
/// reused and hold references to strings Kestrel has made already (method, target, header
/// values), so capturing allocates nothing; everything derived (the client address behind a
/// proxy, PATH_INFO, the Basic-auth user, the time as text) is worked out by the writer thread.
/// </summary>
internal sealed class AccessLogEntry(int requestHeaders, int responseHeaders, int environ)
{
    /// <summary>When the request ended (UTC).</summary>
    public DateTime Completed;

    /// <summary>From the request's arrival to its end, in <see cref="System.Diagnostics.Stopwatch"/> ticks.</summary>
    public long Elapsed;

    /// <summary>The socket's peer; null for a unix-socket peer.</summary>
    public IPAddress? Peer;

    public StringValues ForwardedFor;
    public StringValues Referer;
    public StringValues UserAgent;
    public StringValues Authorization;
    public string Method = "";
    public string Target = "";
    public string Protocol = "";
    public int Status;

    /// <summary>Body bytes sent (no headers).</summary>
    public long Bytes;

    /// <summary>The request headers the format names (<c>%({name}i)s</c>), in the layout's order.</summary>
    public readonly StringValues[] RequestHeaders = new StringValues[requestHeaders];

    /// <summary>The response headers the format names (<c>%({name}o)s</c>).</summary>
    public readonly StringValues[] ResponseHeaders = new StringValues[responseHeaders];

    /// <summary>The environ values the format names (<c>%({name}e)s</c>); null when absent (and for requests Python never saw).</summary>
    public readonly string?[] Environ = new string?[environ];

    public TimeSpan Duration => TimeSpan.FromTicks((long)(Elapsed * ((double)TimeSpan.TicksPerSecond / System.Diagnostics.Stopwatch.Frequency)));

    /// <summary>Drops the references so a pooled entry keeps no request's strings alive.</summary>
    public void Clear()
    {
        Peer = null;
        ForwardedFor = Referer = UserAgent = Authorization = default;
        Method = Target = Protocol = "";
        Array.Clear(RequestHeaders);
        Array.Clear(ResponseHeaders);
        Array.Clear(Environ);
    }
}
