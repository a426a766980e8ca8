using System.Collections.Frozen;
using Microsoft.Net.Http.Headers;

namespace Dram.Wsgi;

/// <summary>
/// Kestrel's own instances of the response header names it keeps in fields. Kestrel finds a header
/// by comparing the key's reference with its name strings first and only then case-insensitively,
/// so a name an app spells exactly as Kestrel does is swapped for Kestrel's instance when it is
/// first decoded: every later lookup and store of that header is then one reference comparison.
/// Only exact spellings are swapped, so what goes on the wire is unchanged.
/// </summary>
internal static class KnownResponseHeaderNames
{
    private static readonly FrozenDictionary<string, string> Instances = new[]
    {
        HeaderNames.AcceptRanges, HeaderNames.AccessControlAllowCredentials, HeaderNames.AccessControlAllowHeaders,
        HeaderNames.AccessControlAllowMethods, HeaderNames.AccessControlAllowOrigin, HeaderNames.AccessControlExposeHeaders,
        HeaderNames.AccessControlMaxAge, HeaderNames.Age, HeaderNames.Allow, HeaderNames.AltSvc, HeaderNames.CacheControl,
        HeaderNames.ContentEncoding, HeaderNames.ContentLanguage, HeaderNames.ContentLength, HeaderNames.ContentLocation,
        HeaderNames.ContentMD5, HeaderNames.ContentRange, HeaderNames.ContentType, HeaderNames.Date, HeaderNames.ETag,
        HeaderNames.Expires, HeaderNames.LastModified, HeaderNames.Location, HeaderNames.Pragma, HeaderNames.RetryAfter,
        HeaderNames.Server, HeaderNames.SetCookie, HeaderNames.Vary, HeaderNames.Via, HeaderNames.Warning,
        HeaderNames.WWWAuthenticate,
    }.ToFrozenDictionary(static name => name, StringComparer.Ordinal);

    /// <summary>Kestrel's instance of <paramref name="name"/> when it is spelled exactly as Kestrel's; otherwise <paramref name="name"/>.</summary>
    public static string Canonical(string name) => Instances.TryGetValue(name, out var instance) ? instance : name;
}
