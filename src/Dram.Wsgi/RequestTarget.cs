namespace Dram.Wsgi;

/// <summary>
/// The request target (RAW_URI) cut as PEP 3333 cuts it: the path, percent-decoded into bytes read
/// as latin-1 (never UTF-8), with the mount point (SCRIPT_NAME) taken off, and the query string
/// after the first '?'. Both forms a client may send work: origin form (<c>/path?query</c>) and
/// absolute form (<c>http://host/path?query</c>, whose empty path means "/").
/// </summary>
internal static class RequestTarget
{
    /// <summary>Where the path is in <paramref name="target"/> and where the query starts (-1: no '?'); <paramref name="emptyAbsolute"/> when an absolute-form target has no path.</summary>
    public static void Split(string target, out int pathStart, out int pathEnd, out int queryStart, out bool emptyAbsolute)
    {
        pathStart = 0;
        var absolute = false;
        if (!target.StartsWith('/'))
        {
            // Absolute form (http://host/path?query): the path starts where the authority ends,
            // at the first '/' or '?' after it.
            var scheme = target.IndexOf("://", StringComparison.Ordinal);
            if (scheme >= 0)
            {
                absolute = true;
                var authorityEnd = target.AsSpan(scheme + 3).IndexOfAny('/', '?');
                pathStart = authorityEnd < 0 ? target.Length : scheme + 3 + authorityEnd;
            }
        }
        queryStart = target.IndexOf('?', pathStart);
        pathEnd = queryStart < 0 ? target.Length : queryStart;
        emptyAbsolute = absolute && pathEnd == pathStart;
    }

    /// <summary>Decodes %XX escapes into bytes; other characters are taken as latin-1 bytes. Malformed escapes stay as they are.</summary>
    public static int PercentDecode(ReadOnlySpan<char> path, Span<byte> into)
    {
        var n = 0;
        for (var i = 0; i < path.Length; i++)
        {
            var c = path[i];
            if (c == '%' && i + 2 < path.Length && char.IsAsciiHexDigit(path[i + 1]) && char.IsAsciiHexDigit(path[i + 2]))
            {
                into[n++] = (byte)((HexValue(path[i + 1]) << 4) | HexValue(path[i + 2]));
                i += 2;
            }
            else
            {
                into[n++] = (byte)c;
            }
        }
        return n;
    }

    /// <summary>The decoded path without the mount point (<paramref name="scriptName"/>), as the app's PATH_INFO.</summary>
    public static ReadOnlySpan<byte> StripScriptName(ReadOnlySpan<byte> path, ReadOnlySpan<byte> scriptName) =>
        scriptName.Length > 0 && path.StartsWith(scriptName) && (path.Length == scriptName.Length || path[scriptName.Length] == (byte)'/')
            ? path[scriptName.Length..]
            : path;

    /// <summary>PATH_INFO as a .NET string of latin-1 characters (for the access log, off the request path).</summary>
    public static string PathInfo(string target, ReadOnlySpan<byte> scriptName)
    {
        Split(target, out var start, out var end, out _, out var emptyAbsolute);
        var path = emptyAbsolute ? "/" : target.AsSpan(start, end - start);
        var decoded = new byte[path.Length];
        var length = PercentDecode(path, decoded);
        return System.Text.Encoding.Latin1.GetString(StripScriptName(decoded.AsSpan(0, length), scriptName));
    }

    /// <summary>The path as the client sent it (still percent-encoded, mount point included).</summary>
    public static string RawPath(string target)
    {
        Split(target, out var start, out var end, out _, out var emptyAbsolute);
        return emptyAbsolute ? "/" : target[start..end];
    }

    /// <summary>QUERY_STRING: what follows the first '?', or "".</summary>
    public static string Query(string target)
    {
        Split(target, out _, out _, out var query, out _);
        return query < 0 ? "" : target[(query + 1)..];
    }

    private static int HexValue(char c) => c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10;
}
