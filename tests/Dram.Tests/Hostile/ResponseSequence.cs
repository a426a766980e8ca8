using System.Globalization;
using System.Text;

namespace Dram.Tests.Hostile;

/// <summary>
/// Everything a server sent on one connection, parsed as HTTP/1.1 responses with no leniency: a
/// status line <c>HTTP/1.1 DDD reason</c>, header lines that are <c>token ":" value</c> with no
/// stray CR, LF or NUL, and bodies framed exactly (chunked, Content-Length, none for 1xx/204/304,
/// or until the close). Anything else, including a response cut short, is reported in
/// <see cref="Error"/>: a split or smuggled response shows up there or as a response too many.
/// </summary>
public sealed class ResponseSequence
{
    private readonly byte[] _data;
    private int _at;

    private ResponseSequence(byte[] data) => _data = data;

    public List<ParsedResponse> Responses { get; } = [];

    /// <summary>Final (non-1xx) responses.</summary>
    public IEnumerable<ParsedResponse> Final => Responses.Where(r => r.Status >= 200);

    /// <summary>Null when every byte belonged to a well-formed response; else what was wrong and where.</summary>
    public string? Error { get; private set; }

    /// <summary>True when the only fault is that the bytes ran out inside a response (it was cut short, not malformed).</summary>
    public bool Truncated { get; private set; }

    /// <summary>Parses <paramref name="data"/>; <paramref name="closed"/> says whether the server closed after it.</summary>
    public static ResponseSequence Parse(byte[] data, bool closed)
    {
        var sequence = new ResponseSequence(data);
        sequence.ParseAll(closed);
        return sequence;
    }

    public string Describe() =>
        $"{Responses.Count} response(s) [{string.Join(", ", Responses.Select(r => r.Status))}]" + (Error is null ? "" : $"; error: {Error}")
        + "; received: " + Printable(_data);

    private void ParseAll(bool closed)
    {
        while (_at < _data.Length && Error is null)
        {
            var response = ParseOne(closed);
            if (response is null)
            {
                return;
            }
            Responses.Add(response);
        }
    }

    private ParsedResponse? ParseOne(bool closed)
    {
        var statusLine = ReadLine();
        if (statusLine is null)
        {
            return Incomplete("the status line is incomplete");
        }
        if (statusLine.Length < 12 || !statusLine.StartsWith("HTTP/1.1 ", StringComparison.Ordinal)
            || !char.IsAsciiDigit(statusLine[9]) || !char.IsAsciiDigit(statusLine[10]) || !char.IsAsciiDigit(statusLine[11])
            || (statusLine.Length > 12 && statusLine[12] != ' ') || statusLine.Any(char.IsControl))
        {
            return Fail($"malformed status line '{statusLine}'");
        }
        var status = int.Parse(statusLine.AsSpan(9, 3), CultureInfo.InvariantCulture);
        var headers = new List<KeyValuePair<string, string>>();
        while (true)
        {
            var line = ReadLine();
            if (line is null)
            {
                return Incomplete($"the head of the {status} response is incomplete");
            }
            if (line.Length == 0)
            {
                break;
            }
            var colon = line.IndexOf(':');
            if (colon <= 0 || !line[..colon].All(IsTokenChar) || line[(colon + 1)..].Any(c => c is '\0' or '\r' or '\n'))
            {
                return Fail($"malformed header line '{line}'");
            }
            headers.Add(new(line[..colon], line[(colon + 1)..].Trim(' ', '\t')));
        }
        var lengths = headers.Where(h => h.Key.Equals("Content-Length", StringComparison.OrdinalIgnoreCase)).ToList();
        var encoding = headers.FirstOrDefault(h => h.Key.Equals("Transfer-Encoding", StringComparison.OrdinalIgnoreCase)).Value;
        if (status < 200 || status is 204 or 304)
        {
            return lengths.Count > 0 && status < 200 ? Fail($"a {status} response with Content-Length") : new ParsedResponse(status, headers, [], false);
        }
        if (encoding is not null)
        {
            if (lengths.Count > 0)
            {
                return Fail("a response with both Content-Length and Transfer-Encoding");
            }
            if (!encoding.Equals("chunked", StringComparison.OrdinalIgnoreCase))
            {
                return Fail($"Transfer-Encoding '{encoding}'");
            }
            var body = ReadChunked();
            return body is null ? null : new ParsedResponse(status, headers, body, true);
        }
        if (lengths.Count > 1)
        {
            return Fail("several Content-Length headers");
        }
        if (lengths.Count == 1)
        {
            if (!lengths[0].Value.All(char.IsAsciiDigit) || lengths[0].Value.Length is 0 or > 12)
            {
                return Fail($"Content-Length '{lengths[0].Value}'");
            }
            var length = int.Parse(lengths[0].Value, CultureInfo.InvariantCulture);
            if (_data.Length - _at < length)
            {
                return Incomplete($"the body ends after {_data.Length - _at} of its {length} bytes");
            }
            var body = _data.AsSpan(_at, length).ToArray();
            _at += length;
            return new ParsedResponse(status, headers, body, false);
        }
        // Neither: the body runs to the close, which must have come.
        if (!closed)
        {
            return Fail("a body delimited by the close, but the connection stayed open");
        }
        var rest = _data.AsSpan(_at).ToArray();
        _at = _data.Length;
        return new ParsedResponse(status, headers, rest, false);
    }

    private byte[]? ReadChunked()
    {
        var body = new List<byte>();
        while (true)
        {
            var sizeLine = ReadLine();
            if (sizeLine is null)
            {
                Incomplete("a chunk size line is incomplete");
                return null;
            }
            var sizeText = sizeLine.Split(';')[0];
            if (sizeText.Length is 0 or > 8 || !sizeText.All(char.IsAsciiHexDigit))
            {
                return FailBody($"malformed chunk size '{sizeLine}'");
            }
            var size = int.Parse(sizeText, NumberStyles.HexNumber, CultureInfo.InvariantCulture);
            if (size == 0)
            {
                while (true)
                {
                    var trailer = ReadLine();
                    if (trailer is null)
                    {
                        Incomplete("the trailer section is incomplete");
                        return null;
                    }
                    if (trailer.Length == 0)
                    {
                        return body.ToArray();
                    }
                }
            }
            if (_data.Length - _at < size + 2)
            {
                Incomplete($"a chunk of {size} bytes is cut short");
                return null;
            }
            body.AddRange(_data.AsSpan(_at, size).ToArray());
            _at += size;
            if (_data[_at] != '\r' || _data[_at + 1] != '\n')
            {
                return FailBody("a chunk is not followed by CRLF");
            }
            _at += 2;
        }
    }

    /// <summary>
    /// The next CRLF-terminated line (without it), or null: when the bytes run out (no error set) or
    /// on a bare LF or CR (the error set).
    /// </summary>
    private string? ReadLine()
    {
        for (var i = _at; i < _data.Length; i++)
        {
            if (_data[i] == '\n')
            {
                if (i == _at || _data[i - 1] != '\r')
                {
                    Error ??= $"a bare LF at byte {i}";
                    return null;
                }
                var line = Encoding.Latin1.GetString(_data, _at, i - 1 - _at);
                if (line.Contains('\r'))
                {
                    Error ??= $"a bare CR in '{line}'";
                    return null;
                }
                _at = i + 1;
                return line;
            }
        }
        return null;
    }

    private static bool IsTokenChar(char c) =>
        char.IsAsciiLetterOrDigit(c) || "!#$%&'*+-.^_`|~".Contains(c);

    /// <summary>The bytes ran out (unless a malformed line was found first, which is the error then).</summary>
    private ParsedResponse? Incomplete(string error)
    {
        if (Error is null)
        {
            Error = $"{error} (at byte {_at})";
            Truncated = true;
        }
        return null;
    }

    private ParsedResponse? Fail(string error)
    {
        Error ??= $"{error} (at byte {_at})";
        return null;
    }

    private byte[]? FailBody(string error)
    {
        Error ??= $"{error} (at byte {_at})";
        return null;
    }

    private static string Printable(byte[] data)
    {
        var text = new StringBuilder();
        foreach (var b in data.Take(600))
        {
            text.Append(b switch
            {
                (byte)'\r' => "\\r",
                (byte)'\n' => "\\n",
                < 0x20 or >= 0x7f => $"\\x{b:x2}",
                _ => ((char)b).ToString(),
            });
        }
        return data.Length > 600 ? text + $"... ({data.Length} bytes)" : text.ToString();
    }
}
