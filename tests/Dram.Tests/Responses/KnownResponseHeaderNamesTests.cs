using Dram.Wsgi;
using Microsoft.Net.Http.Headers;

namespace Dram.Tests.Responses;

/// <summary>
/// Header names an app spells exactly as Kestrel does become Kestrel's own instances (its header
/// lookups then compare references); any other spelling is kept as the app wrote it.
/// </summary>
public sealed class KnownResponseHeaderNamesTests
{
    [Theory]
    [InlineData("Content-Type")]
    [InlineData("Cache-Control")]
    [InlineData("Set-Cookie")]
    [InlineData("ETag")]
    public void AnExactSpellingBecomesKestrelsInstance(string spelled)
    {
        // A copy, as a name decoded from a Python str is a string of its own.
        var decoded = new string(spelled.AsSpan());
        var kestrels = typeof(HeaderNames).GetField(spelled.Replace("-", ""))!.GetValue(null);

        Assert.Same(kestrels, KnownResponseHeaderNames.Canonical(decoded));
    }

    [Theory]
    [InlineData("content-type")]
    [InlineData("CONTENT-TYPE")]
    [InlineData("Etag")]
    [InlineData("X-Frame-Options")]
    [InlineData("X-Request-Id")]
    public void AnyOtherSpellingIsKeptAsTheAppWroteIt(string spelled)
    {
        var decoded = new string(spelled.AsSpan());

        Assert.Same(decoded, KnownResponseHeaderNames.Canonical(decoded));
    }
}
