using System.Globalization;
using System.Text;
using Dram.Python;
using Dram.Python.Native;
using Microsoft.AspNetCore.WebUtilities;

namespace Dram.Wsgi;

/// <summary>
/// Validates what the app passes to start_response at call time, so a bad status or header
/// raises inside the app (with its traceback) instead of reaching the wire. Response splitting
/// (CR/LF in a header) and hop-by-hop headers are refused here.
/// </summary>
internal static unsafe class ResponseHead
{
    /// <summary>Parses "NNN Reason". The reason is null when it is the standard one (Kestrel's pre-encoded status line is used).</summary>
    public static bool ParseStatus(nint status, ResponseTextCache strings, out int code, out string? reason)
    {
        var slot = strings.SlotOf(status);
        if (strings.TryGetStatus(status, slot, out code, out reason))
        {
            return true;
        }
        if (!TryLatin1(status, slot, "status", out var text, strings))
        {
            return false;
        }
        if (text.Length < 3 || !char.IsAsciiDigit(text[0]) || !char.IsAsciiDigit(text[1]) || !char.IsAsciiDigit(text[2])
            || (text.Length > 3 && text[3] != ' ') || text[0] == '0')
        {
            Py.SetError(CApi.ExcValueError, $"start_response(): invalid status {Quote(text)}; it must be a 3-digit code and a reason, e.g. '200 OK'");
            return false;
        }
        for (var i = 3; i < text.Length; i++)
        {
            if (IsForbiddenInValue(text[i]))
            {
                Py.SetError(CApi.ExcValueError, $"start_response(): the status {Quote(text)} contains a control character (CR, LF, NUL...)");
                return false;
            }
        }
        code = (text[0] - '0') * 100 + (text[1] - '0') * 10 + (text[2] - '0');
        if (code < 200)
        {
            // Sent as the response, a 1xx head is an interim one: the client would keep waiting
            // for a final response that never comes.
            Py.SetError(CApi.ExcValueError, $"start_response(): the status {Quote(text)} is informational (1xx); a WSGI app sends only final statuses (200 and up)");
            return false;
        }
        var phrase = text.Length > 4 ? text[4..] : "";
        // Kestrel writes the status line in ASCII: a reason with latin-1 letters would reach the
        // client mangled, so the standard reason is sent instead.
        if (phrase.Length > 0 && phrase != ReasonPhrases.GetReasonPhrase(code) && Ascii.IsValid(phrase))
        {
            reason = phrase;
        }
        strings.RecordStatus(status, slot, code, reason);
        return true;
    }

    /// <summary>Parses the header list into (name, value) pairs; Content-Length goes to <paramref name="contentLength"/> (-1 if absent).</summary>
    public static bool ParseHeaders(nint headers, ResponseTextCache strings, List<KeyValuePair<string, string>> into, out long contentLength)
    {
        contentLength = -1;
        var type = CApi.TypeOf(headers);
        var isList = type == CApi.ListType || CApi.PyObject_IsInstance(headers, CApi.ListType) == 1;
        if (!isList)
        {
            CApi.PyErr_Clear();
            Py.SetError(CApi.ExcTypeError, $"start_response(): response_headers must be a list of (name, value) tuples, got {Py.TypeName(headers)}");
            return false;
        }
        var count = Py.ListSize(headers);
        for (nint i = 0; i < count; i++)
        {
            var item = Py.ListItem(headers, i);
            if (item == 0)
            {
                // The list shrank while it was read (code run by an isinstance check): IndexError.
                return false;
            }
            if ((CApi.TypeOf(item) != CApi.TupleType && CApi.PyObject_IsInstance(item, CApi.TupleType) != 1) || Py.TupleSize(item) != 2)
            {
                CApi.PyErr_Clear();
                Py.SetError(CApi.ExcTypeError, $"start_response(): response header {i} must be a (name, value) tuple, got {Py.Repr(item)}");
                return false;
            }
            var nameObject = Py.TupleItem(item, 0);
            var valueObject = Py.TupleItem(item, 1);
            // The value's slot is looked up once the name is in place: both may share a set.
            var nameSlot = strings.SlotOf(nameObject);
            if (!TryLatin1(nameObject, nameSlot, "header name", out var name, strings, isName: true))
            {
                return false;
            }
            var valueSlot = strings.SlotOf(valueObject);
            if (!TryLatin1(valueObject, valueSlot, "value of header", out var value, strings, nameObject))
            {
                return false;
            }
            bool isContentLength;
            if (strings.Passed(nameObject, nameSlot, ResponseTextChecks.HeaderName))
            {
                isContentLength = false;
            }
            else if (strings.Passed(nameObject, nameSlot, ResponseTextChecks.ContentLengthName))
            {
                isContentLength = true;
            }
            else
            {
                if (name.Length == 0 || !IsToken(name))
                {
                    Py.SetError(CApi.ExcValueError, $"start_response(): invalid header name {Quote(name)}; names are HTTP tokens (letters, digits, !#$%&'*+-.^_`|~)");
                    return false;
                }
                if (IsHopByHop(name))
                {
                    Py.SetError(CApi.ExcValueError, $"start_response(): hop-by-hop header {Quote(name)} is not allowed from a WSGI app (PEP 3333); the server manages the connection");
                    return false;
                }
                isContentLength = name.Equals("Content-Length", StringComparison.OrdinalIgnoreCase);
                strings.Record(nameObject, nameSlot, isContentLength ? ResponseTextChecks.ContentLengthName : ResponseTextChecks.HeaderName);
            }
            if (!strings.Passed(valueObject, valueSlot, ResponseTextChecks.HeaderValue))
            {
                foreach (var c in value)
                {
                    if (IsForbiddenInValue(c))
                    {
                        Py.SetError(CApi.ExcValueError, $"start_response(): the value of header {Quote(name)} contains a control character (CR, LF, NUL...): {Quote(value)}");
                        return false;
                    }
                }
                strings.Record(valueObject, valueSlot, ResponseTextChecks.HeaderValue);
            }
            if (isContentLength)
            {
                if (!strings.TryGetLength(valueObject, valueSlot, out var length))
                {
                    var trimmed = value.AsSpan().Trim(" \t");
                    if (trimmed.Length == 0 || trimmed.Length > 18 || !AllDigits(trimmed))
                    {
                        return InvalidContentLength(value);
                    }
                    length = long.Parse(trimmed, NumberStyles.None, CultureInfo.InvariantCulture);
                    strings.RecordLength(valueObject, valueSlot, length);
                }
                if (contentLength >= 0 && length != contentLength)
                {
                    return InvalidContentLength(value);
                }
                contentLength = length;
                continue;
            }
            into.Add(new(name, value));
        }
        return true;
    }

    /// <summary>Re-raises an exc_info tuple (type, value, traceback) into the app; returns NULL for the C caller.</summary>
    public static nint Reraise(nint excInfo)
    {
        if (CApi.TypeOf(excInfo) != CApi.TupleType || Py.TupleSize(excInfo) != 3)
        {
            Py.SetError(CApi.ExcTypeError, "start_response(): exc_info must be the tuple sys.exc_info() returns");
            return 0;
        }
        var type = Py.TupleItem(excInfo, 0);
        var value = Py.TupleItem(excInfo, 1);
        var traceback = Py.TupleItem(excInfo, 2);
        Py.IncRef(type);
        Py.IncRef(value);
        Py.IncRef(traceback);
        CApi.PyErr_Restore(type, value == CApi.None ? 0 : value, traceback == CApi.None ? 0 : traceback);
        if (value == CApi.None)
        {
            Py.DecRef(value);
        }
        if (traceback == CApi.None)
        {
            Py.DecRef(traceback);
        }
        return 0;
    }

    /// <summary>
    /// The text of a str whose characters all fit latin-1 (PEP 3333: headers are "bytes as unicode").
    /// Sets TypeError/ValueError and returns false otherwise. <paramref name="headerName"/>, when given,
    /// names the header whose value <paramref name="obj"/> is; it is described only in an error, so a
    /// valid header costs no str() call. <paramref name="slot"/> is where <paramref name="obj"/> is or
    /// would be kept in <paramref name="strings"/>. A header name (<paramref name="isName"/>) is kept as
    /// Kestrel's own instance when it is spelled as Kestrel's (KnownResponseHeaderNames).
    /// </summary>
    private static bool TryLatin1(nint obj, int slot, string what, out string text, ResponseTextCache strings, nint headerName = 0, bool isName = false)
    {
        if (strings.TryGet(obj, slot, out text))
        {
            return true;
        }
        if (CApi.TypeOf(obj) != CApi.UnicodeType && CApi.PyObject_IsInstance(obj, CApi.UnicodeType) != 1)
        {
            CApi.PyErr_Clear();
            Py.SetError(CApi.ExcTypeError, $"start_response(): the {Subject(what, headerName)} must be str, got {Py.TypeName(obj)}: {Py.Repr(obj)}");
            return false;
        }
        nint size;
        var utf8 = CApi.PyUnicode_AsUTF8AndSize(obj, &size);
        if (utf8 == null)
        {
            return false;
        }
        var bytes = new ReadOnlySpan<byte>(utf8, (int)size);
        if (!bytes.ContainsAnyInRange((byte)0x80, (byte)0xFF))
        {
            text = strings.Latin1.Get(bytes);
            if (isName)
            {
                text = KnownResponseHeaderNames.Canonical(text);
            }
            strings.Add(obj, slot, text);
            return true;
        }
        text = Encoding.UTF8.GetString(bytes);
        foreach (var c in text)
        {
            if (c > '\u00FF')
            {
                Py.SetError(CApi.ExcValueError, $"start_response(): the {Subject(what, headerName)} {Quote(text)} has characters outside latin-1; encode non-latin-1 text (e.g. RFC 8187 or percent-encoding) first");
                return false;
            }
        }
        strings.Add(obj, slot, text);
        return true;
    }

    private static string Subject(string what, nint headerName) =>
        headerName == 0 ? what : $"{what} {Quote(Py.Describe(headerName))}";

    private static bool IsForbiddenInValue(char c) => (c < ' ' && c != '\t') || c == '\u007F';

    private static bool IsToken(string name)
    {
        foreach (var c in name)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || "!#$%&'*+-.^_`|~".Contains(c)))
            {
                return false;
            }
        }
        return true;
    }

    private static bool InvalidContentLength(string value)
    {
        Py.SetError(CApi.ExcValueError, $"start_response(): invalid Content-Length {Quote(value)}; it must be one non-negative integer");
        return false;
    }

    private static bool AllDigits(ReadOnlySpan<char> s)
    {
        foreach (var c in s)
        {
            if (!char.IsAsciiDigit(c))
            {
                return false;
            }
        }
        return true;
    }

    private static bool IsHopByHop(string name) => name.Length switch
    {
        2 => name.Equals("TE", StringComparison.OrdinalIgnoreCase),
        7 => name.Equals("Trailer", StringComparison.OrdinalIgnoreCase) || name.Equals("Upgrade", StringComparison.OrdinalIgnoreCase),
        8 => name.Equals("Trailers", StringComparison.OrdinalIgnoreCase),
        10 => name.Equals("Connection", StringComparison.OrdinalIgnoreCase) || name.Equals("Keep-Alive", StringComparison.OrdinalIgnoreCase),
        17 => name.Equals("Transfer-Encoding", StringComparison.OrdinalIgnoreCase),
        18 => name.Equals("Proxy-Authenticate", StringComparison.OrdinalIgnoreCase),
        19 => name.Equals("Proxy-Authorization", StringComparison.OrdinalIgnoreCase),
        _ => false,
    };

    private static string Quote(string s) => "'" + s.Replace("\r", "\\r").Replace("\n", "\\n").Replace("\0", "\\x00") + "'";
}
