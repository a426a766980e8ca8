using System.Buffers;
using System.Globalization;
using System.Text;

namespace Dram.Wsgi.Logs;

/// <summary>
/// <c>--access-logformat</c>: Gunicorn's access log format, Python %-formatting over named atoms
/// (<c>%(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s"</c>), compiled once into
/// segments. Values are written as Gunicorn writes them: text with <c>"</c> escaped as <c>\"</c>,
/// unknown atoms and absent headers as <c>-</c>. Control characters, which Gunicorn would write
/// raw, are escaped as <c>\xHH</c> so a value cannot start a line of its own. A format Python
/// would fail on at every request (<c>%(h)d</c>, a lone <c>%</c>) is refused at start-up instead.
/// </summary>
public sealed class AccessLogFormat : AccessLogLayout
{
    /// <summary>Gunicorn's default: the Apache combined log format.</summary>
    public const string Default = "%(h)s %(l)s %(u)s %(t)s \"%(r)s\" %(s)s %(b)s \"%(f)s\" \"%(a)s\"";

    private static readonly Dictionary<char, AccessLogAtom> Atoms = new()
    {
        ['h'] = AccessLogAtom.RemoteAddress,
        ['l'] = AccessLogAtom.Ident,
        ['u'] = AccessLogAtom.User,
        ['t'] = AccessLogAtom.Time,
        ['r'] = AccessLogAtom.RequestLine,
        ['m'] = AccessLogAtom.Method,
        ['U'] = AccessLogAtom.PathInfo,
        ['q'] = AccessLogAtom.Query,
        ['H'] = AccessLogAtom.Protocol,
        ['s'] = AccessLogAtom.Status,
        ['b'] = AccessLogAtom.BytesOrDash,
        ['B'] = AccessLogAtom.Bytes,
        ['f'] = AccessLogAtom.Referer,
        ['a'] = AccessLogAtom.UserAgent,
        ['T'] = AccessLogAtom.Seconds,
        ['M'] = AccessLogAtom.Milliseconds,
        ['D'] = AccessLogAtom.Microseconds,
        ['L'] = AccessLogAtom.SecondsDecimal,
        ['p'] = AccessLogAtom.Pid,
    };

    private readonly AccessLogSegment[] _segments;
    private readonly StringBuilder _line = new(256);

    private AccessLogFormat(AccessLogSegment[] segments, List<string> requestHeaders, List<string> responseHeaders, List<string> environKeys)
    {
        _segments = segments;
        RequestHeaders = requestHeaders;
        ResponseHeaders = responseHeaders;
        EnvironKeys = environKeys;
    }

    /// <summary>Compiles a format; throws <see cref="FormatException"/> saying where it is wrong and how to write it.</summary>
    public static AccessLogFormat Compile(string format)
    {
        var segments = new List<AccessLogSegment>();
        var requestHeaders = new List<string>();
        var responseHeaders = new List<string>();
        var environKeys = new List<string>();
        var literal = new StringBuilder();
        var i = 0;
        while (i < format.Length)
        {
            var c = format[i];
            if (c != '%')
            {
                literal.Append(c);
                i++;
                continue;
            }
            if (i + 1 == format.Length)
            {
                throw new FormatException("it ends with a lone '%'; write %% for a percent sign");
            }
            if (format[i + 1] == '%')
            {
                literal.Append('%');
                i += 2;
                continue;
            }
            if (format[i + 1] != '(')
            {
                throw new FormatException($"'%{format[i + 1]}' at character {i + 1}: fields are written %(NAME)s, e.g. %(h)s; write %% for a percent sign");
            }
            var field = ParseField(format, i, out var next);
            if (literal.Length > 0)
            {
                segments.Add(new AccessLogSegment(AccessLogAtom.Literal, literal.ToString()));
                literal.Clear();
            }
            segments.Add(Resolve(field, requestHeaders, responseHeaders, environKeys));
            i = next;
        }
        if (literal.Length > 0)
        {
            segments.Add(new AccessLogSegment(AccessLogAtom.Literal, literal.ToString()));
        }
        return new AccessLogFormat([.. segments], requestHeaders, responseHeaders, environKeys);
    }

    private readonly record struct Field(string Key, int Width, int Precision, bool LeftAlign, bool ZeroPad, char Conversion);

    /// <summary>Reads <c>%(KEY)[flags][width][.precision]conversion</c> starting at the '%'.</summary>
    private static Field ParseField(string format, int start, out int next)
    {
        // Python matches parentheses inside the key: %(a(b))s names "a(b)".
        var depth = 1;
        var j = start + 2;
        while (j < format.Length && depth > 0)
        {
            depth += format[j] switch
            {
                '(' => 1,
                ')' => -1,
                _ => 0,
            };
            j++;
        }
        if (depth > 0)
        {
            throw new FormatException($"the field at character {start + 1} has no closing ')'; fields are written %(NAME)s");
        }
        var key = format[(start + 2)..(j - 1)];
        var leftAlign = false;
        var zeroPad = false;
        while (j < format.Length && format[j] is '-' or '0' or ' ' or '+' or '#')
        {
            if (format[j] is ' ' or '+' or '#')
            {
                throw new FormatException($"%({key}): the '{format[j]}' flag is not supported; use '-' (align left) or '0' (zero padding)");
            }
            leftAlign |= format[j] == '-';
            zeroPad |= format[j] == '0';
            j++;
        }
        var width = ReadNumber(format, ref j);
        var precision = -1;
        if (j < format.Length && format[j] == '.')
        {
            j++;
            precision = ReadNumber(format, ref j);
        }
        while (j < format.Length && format[j] is 'h' or 'l' or 'L')
        {
            j++;
        }
        if (j >= format.Length)
        {
            throw new FormatException($"%({key}) has no conversion; write %({key})s");
        }
        var conversion = format[j];
        if (conversion is not ('s' or 'd' or 'i'))
        {
            throw new FormatException($"%({key}){conversion}: only s (text) and d (whole numbers) are supported; write %({key})s");
        }
        next = j + 1;
        return new Field(key, width, precision, leftAlign, zeroPad, conversion);
    }

    private static int ReadNumber(string format, ref int j)
    {
        var value = 0;
        while (j < format.Length && char.IsAsciiDigit(format[j]))
        {
            value = checked(value * 10 + (format[j] - '0'));
            if (value > 1000)
            {
                throw new FormatException("a width or precision above 1000 is not supported");
            }
            j++;
        }
        return value;
    }

    private static AccessLogSegment Resolve(Field field, List<string> requestHeaders, List<string> responseHeaders, List<string> environKeys)
    {
        var atom = AccessLogAtom.Unknown;
        var name = "";
        var slot = -1;
        // Gunicorn looks {NAME}x atoms up in lower case: %({X-Request-Id}i)s and %({x-request-id}i)s are one.
        var key = field.Key.StartsWith('{') ? field.Key.ToLowerInvariant() : field.Key;
        if (key.Length == 1 && Atoms.TryGetValue(key[0], out var single))
        {
            atom = single;
        }
        else if (key.Length > 3 && key[0] == '{' && key[^2] == '}' && key[^1] is 'i' or 'o' or 'e')
        {
            name = field.Key[1..^2];
            (atom, var names) = key[^1] switch
            {
                'i' => (AccessLogAtom.RequestHeader, requestHeaders),
                'o' => (AccessLogAtom.ResponseHeader, responseHeaders),
                _ => (AccessLogAtom.Environ, environKeys),
            };
            slot = names.FindIndex(n => n.Equals(name, StringComparison.OrdinalIgnoreCase));
            if (slot < 0)
            {
                slot = names.Count;
                names.Add(name);
            }
        }
        var numeric = atom is AccessLogAtom.Status or AccessLogAtom.Bytes or AccessLogAtom.Seconds or AccessLogAtom.Milliseconds or AccessLogAtom.Microseconds;
        if (field.Conversion != 's' && !numeric)
        {
            throw new FormatException($"%({field.Key}){field.Conversion}: {(atom == AccessLogAtom.Unknown ? "an unknown atom is written as '-'" : "this atom is text")}; write %({field.Key})s (d is for s, B, T, M and D)");
        }
        return new AccessLogSegment(atom, name, slot, field.Width, field.Precision, field.LeftAlign, field.ZeroPad && field.Conversion != 's');
    }

    internal override void Render(AccessLogEntry entry, AccessLogContext context, ArrayBufferWriter<byte> output)
    {
        var line = _line.Clear();
        foreach (var segment in _segments)
        {
            switch (segment.Atom)
            {
                case AccessLogAtom.Literal:
                    line.Append(segment.Text);
                    break;
                case AccessLogAtom.Status:
                    AppendNumber(line, segment, entry.Status);
                    break;
                case AccessLogAtom.Bytes:
                    AppendNumber(line, segment, entry.Bytes);
                    break;
                case AccessLogAtom.Seconds:
                    AppendNumber(line, segment, WholeSeconds(entry.Duration));
                    break;
                case AccessLogAtom.Milliseconds:
                    AppendNumber(line, segment, WholeSeconds(entry.Duration) * 1000 + entry.Duration.Milliseconds);
                    break;
                case AccessLogAtom.Microseconds:
                    AppendNumber(line, segment, WholeSeconds(entry.Duration) * 1_000_000 + entry.Duration.Milliseconds * 1000 + entry.Duration.Microseconds);
                    break;
                default:
                    AppendText(line, segment, Text(segment, entry, context));
                    break;
            }
        }
        line.Append('\n');
        foreach (var chunk in line.GetChunks())
        {
            var span = output.GetSpan(Encoding.UTF8.GetMaxByteCount(chunk.Length));
            output.Advance(Encoding.UTF8.GetBytes(chunk.Span, span));
        }
    }

    /// <summary>Python's <c>timedelta.seconds</c>, which Gunicorn's T, M, D and L use: the seconds within the day.</summary>
    private static long WholeSeconds(TimeSpan duration) => duration.Hours * 3600L + duration.Minutes * 60L + duration.Seconds;

    private static string Text(AccessLogSegment segment, AccessLogEntry entry, AccessLogContext context) => segment.Atom switch
    {
        AccessLogAtom.RemoteAddress => context.RemoteAddress(entry) is { Length: > 0 } address ? address : "-",
        AccessLogAtom.User => AccessLogContext.User(entry.Authorization) is { Length: > 0 } user ? user : "-",
        AccessLogAtom.Time => ClfTime(AccessLogContext.LocalTime(entry)),
        AccessLogAtom.RequestLine => string.Concat(entry.Method, " ", entry.Target, " ", entry.Protocol),
        AccessLogAtom.Method => entry.Method,
        AccessLogAtom.PathInfo => context.PathInfo(entry),
        AccessLogAtom.Query => RequestTarget.Query(entry.Target),
        AccessLogAtom.Protocol => entry.Protocol,
        AccessLogAtom.BytesOrDash => entry.Bytes > 0 ? entry.Bytes.ToString(CultureInfo.InvariantCulture) : "-",
        AccessLogAtom.Referer => AccessLogContext.Joined(entry.Referer) ?? "-",
        AccessLogAtom.UserAgent => AccessLogContext.Joined(entry.UserAgent) ?? "-",
        AccessLogAtom.SecondsDecimal => string.Create(CultureInfo.InvariantCulture,
            $"{WholeSeconds(entry.Duration)}.{entry.Duration.Milliseconds * 1000 + entry.Duration.Microseconds:000000}"),
        AccessLogAtom.Pid => context.PidAtom,
        // Gunicorn's header atoms hold the last value of a repeated header.
        AccessLogAtom.RequestHeader => entry.RequestHeaders[segment.Slot] is { Count: > 0 } request ? request[^1] ?? "" : "-",
        AccessLogAtom.ResponseHeader => entry.ResponseHeaders[segment.Slot] is { Count: > 0 } response ? response[^1] ?? "" : "-",
        AccessLogAtom.Environ => entry.Environ[segment.Slot] ?? "-",
        _ => "-",
    };

    /// <summary>Apache's time format: <c>[22/Nov/2026:07:05:21 +0000]</c>.</summary>
    private static string ClfTime(DateTimeOffset time)
    {
        var offset = time.Offset;
        var sign = offset < TimeSpan.Zero ? '-' : '+';
        return string.Create(CultureInfo.InvariantCulture,
            $"[{time:dd/MMM/yyyy:HH:mm:ss} {sign}{Math.Abs(offset.Hours):00}{Math.Abs(offset.Minutes):00}]");
    }

    private static void AppendNumber(StringBuilder line, AccessLogSegment segment, long value)
    {
        Span<char> digits = stackalloc char[24];
        value.TryFormat(digits, out var length, default, CultureInfo.InvariantCulture);
        var text = digits[..length];
        var padding = segment.Width - text.Length;
        if (padding > 0 && !segment.LeftAlign)
        {
            if (segment.ZeroPad && value < 0)
            {
                line.Append('-');
                text = text[1..];
            }
            line.Append(segment.ZeroPad ? '0' : ' ', padding);
        }
        line.Append(text);
        if (padding > 0 && segment.LeftAlign)
        {
            line.Append(' ', padding);
        }
    }

    private static void AppendText(StringBuilder line, AccessLogSegment segment, string value)
    {
        var start = line.Length;
        foreach (var c in value)
        {
            if (c == '"')
            {
                line.Append("\\\"");
            }
            else if (c < ' ' || c == '\x7f')
            {
                line.Append("\\x").Append(((int)c).ToString("x2", CultureInfo.InvariantCulture));
            }
            else
            {
                line.Append(c);
            }
        }
        if (segment.Precision >= 0 && line.Length - start > segment.Precision)
        {
            line.Length = start + segment.Precision;
        }
        var padding = segment.Width - (line.Length - start);
        if (padding > 0)
        {
            if (segment.LeftAlign)
            {
                line.Append(' ', padding);
            }
            else
            {
                line.Insert(start, " ", padding);
            }
        }
    }
}
