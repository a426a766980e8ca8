using System.Text;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.WebUtilities;

namespace Dram.Wsgi;

/// <summary>A short text answer given by the server itself, without Python (a request refused by a limit).</summary>
internal static class PlainResponse
{
    /// <summary>
    /// Answers <paramref name="status"/> with its reason phrase as the body. With
    /// <paramref name="closeConnection"/> the connection ends after it, so an unread request body
    /// is never read just to be thrown away.
    /// </summary>
    public static Task SendAsync(IFeatureCollection features, int status, bool closeConnection)
    {
        var response = FeatureLookup.Required<IHttpResponseFeature>(features);
        response.StatusCode = status;
        var headers = response.Headers;
        headers.ContentType = "text/plain; charset=utf-8";
        if (closeConnection)
        {
            headers.Connection = "close";
        }
        var body = Encoding.ASCII.GetBytes(ReasonPhrases.GetReasonPhrase(status) + "\n");
        headers.ContentLength = body.Length;
        return WriteAsync(FeatureLookup.Required<IHttpResponseBodyFeature>(features), body);
    }

    private static async Task WriteAsync(IHttpResponseBodyFeature body, byte[] bytes)
    {
        await body.StartAsync();
        await body.Writer.WriteAsync(bytes);
    }
}
