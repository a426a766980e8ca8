namespace Dram.Wsgi;

/// <summary>Which start_response checks a cached str passed (<see cref="ResponseTextCache"/>).</summary>
[Flags]
internal enum ResponseTextChecks : byte
{
    None = 0,

    /// <summary>A valid header name that is neither hop-by-hop nor Content-Length.</summary>
    HeaderName = 1,

    /// <summary>A valid header name that is Content-Length (in any case).</summary>
    ContentLengthName = 2,

    /// <summary>A header value without control characters.</summary>
    HeaderValue = 4,

    /// <summary>A valid status line; its code and reason are cached with it.</summary>
    StatusLine = 8,

    /// <summary>A valid Content-Length value; the number is cached with it.</summary>
    ContentLengthValue = 16,
}
