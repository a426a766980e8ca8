using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Primitives;

namespace Dram.Wsgi;

/// <summary>
/// <c>--limit-request-field_size</c>, which Kestrel cannot express (it limits only the whole header
/// block). Like Gunicorn, a header line is measured as it is framed, <c>Name: value</c> plus CRLF,
/// and each line of a repeated header on its own.
/// </summary>
internal static class HeaderFieldLimit
{
    /// <summary>": " and CRLF around the name and value.</summary>
    private const int Framing = 4;

    /// <summary>True when every line of this header fits in <paramref name="maxLineBytes"/> (0: no limit).</summary>
    public static bool Fits(string name, StringValues values, int maxLineBytes)
    {
        if (maxLineBytes <= 0)
        {
            return true;
        }
        var room = maxLineBytes - Framing - name.Length;
        for (var i = 0; i < values.Count; i++)
        {
            if ((values[i]?.Length ?? 0) > room)
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>The name of the first header with a line over the limit, or null.</summary>
    public static string? FirstOversized(IHeaderDictionary headers, int maxLineBytes)
    {
        if (maxLineBytes <= 0)
        {
            return null;
        }
        foreach (var (name, values) in headers)
        {
            if (!Fits(name, values, maxLineBytes))
            {
                return name;
            }
        }
        return null;
    }

    public static RequestRejectedException Rejection(string name, int maxLineBytes) =>
        new(StatusCodes.Status431RequestHeaderFieldsTooLarge, $"the header field {name} is longer than --limit-request-field_size ({maxLineBytes} bytes)");
}
