using Microsoft.Extensions.Primitives;

namespace Dram.Wsgi;

/// <summary>What a trusted proxy's secure scheme headers say about the client's scheme.</summary>
public enum ForwardedScheme
{
    /// <summary>None of the headers is present: the socket's scheme stands.</summary>
    NotGiven,
    Http,
    Https,

    /// <summary>One header says HTTPS and another (or another line of the same) does not: the request is refused with 400.</summary>
    Contradictory,
}

/// <summary>
/// <c>--secure-scheme-headers</c> (Gunicorn's <c>secure_scheme_headers</c>): header names, each with
/// the exact value that means "the client used HTTPS". As in Gunicorn, a present header whose value
/// is anything else means HTTP, every line of every listed header must agree, and only a peer in
/// <c>--forwarded-allow-ips</c> (or on a unix socket) is asked at all. The text form is
/// <c>NAME=VALUE,NAME=VALUE</c>; names are matched case-insensitively, values exactly.
/// </summary>
public sealed class SecureSchemeHeaders
{
    /// <summary>Gunicorn's default: what nginx, HAProxy, AWS and Heroku set after TLS.</summary>
    public const string Default = "X-FORWARDED-PROTOCOL=ssl,X-FORWARDED-PROTO=https,X-FORWARDED-SSL=on";

    private readonly (string Name, string SecureValue)[] _headers;

    private SecureSchemeHeaders((string, string)[] headers, string text)
    {
        _headers = headers;
        Text = text;
    }

    public static SecureSchemeHeaders None { get; } = new([], "");

    /// <summary>The setting as given, for messages.</summary>
    public string Text { get; }

    public int Count => _headers.Length;

    /// <summary>Parses "X-FORWARDED-PROTO=https,X-FORWARDED-SSL=on"; "" names no header. Throws <see cref="FormatException"/> naming the bad entry.</summary>
    public static SecureSchemeHeaders Parse(string text)
    {
        var entries = text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var headers = new List<(string, string)>(entries.Length);
        foreach (var entry in entries)
        {
            var eq = entry.IndexOf('=');
            if (eq < 0)
            {
                throw new FormatException($"'{entry}' is not NAME=VALUE (e.g. X-FORWARDED-PROTO=https)");
            }
            var name = entry[..eq].Trim();
            var value = entry[(eq + 1)..].Trim();
            if (!IsToken(name))
            {
                throw new FormatException($"'{entry}': '{name}' is not a header name (letters, digits and -, e.g. X-FORWARDED-PROTO)");
            }
            if (value.Length == 0 || value.Any(static c => c < 0x21 || c > 0x7E))
            {
                throw new FormatException($"'{entry}': the value must be visible ASCII without spaces, e.g. https");
            }
            if (headers.Exists(h => h.Item1.Equals(name, StringComparison.OrdinalIgnoreCase)))
            {
                throw new FormatException($"'{name}' is named twice");
            }
            headers.Add((name, value));
        }
        return new SecureSchemeHeaders([.. headers], text);
    }

    /// <summary>The name of the <paramref name="index"/>th header, as given.</summary>
    public string Name(int index) => _headers[index].Name;

    /// <summary>
    /// The scheme the headers give; called only for trusted peers. <paramref name="valuesByHeader"/>
    /// holds the request's lines of each header in the order of <see cref="Name"/> (none: absent).
    /// </summary>
    public ForwardedScheme Resolve(ReadOnlySpan<StringValues> valuesByHeader)
    {
        var verdict = ForwardedScheme.NotGiven;
        for (var h = 0; h < _headers.Length; h++)
        {
            var values = valuesByHeader[h];
            var secureValue = _headers[h].SecureValue;
            for (var i = 0; i < values.Count; i++)
            {
                var scheme = string.Equals(values[i], secureValue, StringComparison.Ordinal) ? ForwardedScheme.Https : ForwardedScheme.Http;
                if (verdict != ForwardedScheme.NotGiven && verdict != scheme)
                {
                    return ForwardedScheme.Contradictory;
                }
                verdict = scheme;
            }
        }
        return verdict;
    }

    private static bool IsToken(string name)
    {
        if (name.Length == 0)
        {
            return false;
        }
        foreach (var c in name)
        {
            if (!char.IsAsciiLetterOrDigit(c) && c != '-')
            {
                return false;
            }
        }
        return true;
    }
}
