namespace Dram.Wsgi.Logs;

/// <summary>What one <c>%(NAME)s</c> field of an access log format stands for (Gunicorn's atoms).</summary>
internal enum AccessLogAtom
{
    /// <summary>Text between fields, written as it is.</summary>
    Literal,

    /// <summary><c>h</c>: REMOTE_ADDR as the app saw it (after trusted X-Forwarded-For).</summary>
    RemoteAddress,

    /// <summary><c>l</c>: always "-" (no ident lookups).</summary>
    Ident,

    /// <summary><c>u</c>: the user name of HTTP Basic authentication.</summary>
    User,

    /// <summary><c>t</c>: when the request ended, <c>[22/Nov/2026:07:05:21 +0000]</c>.</summary>
    Time,

    /// <summary><c>r</c>: <c>METHOD RAW_URI PROTOCOL</c>.</summary>
    RequestLine,

    /// <summary><c>m</c>: the request method.</summary>
    Method,

    /// <summary><c>U</c>: PATH_INFO (decoded, without the mount point).</summary>
    PathInfo,

    /// <summary><c>q</c>: QUERY_STRING.</summary>
    Query,

    /// <summary><c>H</c>: SERVER_PROTOCOL.</summary>
    Protocol,

    /// <summary><c>s</c>: the status code sent.</summary>
    Status,

    /// <summary><c>b</c>: body bytes sent, "-" for none (Common Log Format).</summary>
    BytesOrDash,

    /// <summary><c>B</c>: body bytes sent.</summary>
    Bytes,

    /// <summary><c>f</c>: the Referer header, "-" when absent.</summary>
    Referer,

    /// <summary><c>a</c>: the User-Agent header, "-" when absent.</summary>
    UserAgent,

    /// <summary><c>T</c>: whole seconds the request took.</summary>
    Seconds,

    /// <summary><c>M</c>: whole milliseconds.</summary>
    Milliseconds,

    /// <summary><c>D</c>: microseconds.</summary>
    Microseconds,

    /// <summary><c>L</c>: seconds with six decimals.</summary>
    SecondsDecimal,

    /// <summary><c>p</c>: <c>&lt;pid&gt;</c> of the worker.</summary>
    Pid,

    /// <summary><c>{name}i</c>: a request header.</summary>
    RequestHeader,

    /// <summary><c>{name}o</c>: a response header.</summary>
    ResponseHeader,

    /// <summary><c>{name}e</c>: an environ value.</summary>
    Environ,

    /// <summary>A name Gunicorn does not know either: written as "-", as Gunicorn does.</summary>
    Unknown,
}
