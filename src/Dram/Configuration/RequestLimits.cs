using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace Dram.Configuration;

/// <summary>
/// Gunicorn's request limits under their Gunicorn names and defaults, mapped onto Kestrel's
/// limits where Kestrel can express them; the per-line header limit, which Kestrel cannot, is
/// enforced before the app is called (HeaderFieldLimit).
/// </summary>
public sealed record RequestLimits(int Line, int Fields, int FieldSize, long Body)
{
    /// <summary>Gunicorn's default for <c>limit_request_line</c>.</summary>
    public const int DefaultLine = 4094;

    /// <summary>Gunicorn's default for <c>limit_request_fields</c>.</summary>
    public const int DefaultFields = 100;

    /// <summary>Gunicorn's ceiling for <c>limit_request_fields</c>, which 0 also means.</summary>
    public const int MaxFields = 32768;

    /// <summary>Gunicorn's default for <c>limit_request_field_size</c>.</summary>
    public const int DefaultFieldSize = 8190;

    /// <summary>
    /// The longest request line or header line Dram reads (and what 0 lifts a line limit to): a
    /// line must fit in the per-connection read buffer before it can be parsed, and Kestrel's
    /// default buffer is 1 MiB.
    /// </summary>
    public const int MaxLineBytes = 1024 * 1024;

    /// <summary>Kestrel's default <see cref="KestrelServerLimits.MaxRequestBufferSize"/>.</summary>
    private const long DefaultReadBuffer = 1024 * 1024;

    /// <summary>Room past the longest line, so the buffer can hold a line at the limit plus what follows it in the same read.</summary>
    private const long ReadSlack = 16 * 1024;

    public static RequestLimits Defaults { get; } = new(DefaultLine, DefaultFields, DefaultFieldSize, 0);

    /// <summary>Kestrel's request line limit counts the CRLF; Gunicorn's does not.</summary>
    public int KestrelRequestLineSize => (Line == 0 ? MaxLineBytes : Line) + 2;

    public int KestrelHeaderCount => Fields == 0 ? MaxFields : Fields;

    /// <summary>
    /// The whole header block, as Gunicorn bounds what it buffers: fields × (field size + CRLF) + the
    /// blank line, with 8190 standing in for an unlimited field size; but never more than the read
    /// buffer, which Kestrel needs to hold the whole block (819,204 bytes with the defaults).
    /// </summary>
    public int KestrelHeadersTotalSize =>
        (int)Math.Min(ReadBufferSize, (long)KestrelHeaderCount * ((FieldSize == 0 ? DefaultFieldSize : FieldSize) + 2) + 4);

    /// <summary>
    /// Bytes a connection may have buffered unparsed: at least Kestrel's default, and enough for the
    /// longest allowed line, or a line at the limit would wait for more room instead of being parsed.
    /// </summary>
    public long ReadBufferSize => Math.Max(DefaultReadBuffer, Math.Max(KestrelRequestLineSize, FieldSize) + ReadSlack);

    public void ApplyTo(KestrelServerLimits limits)
    {
        limits.MaxRequestLineSize = KestrelRequestLineSize;
        limits.MaxRequestHeaderCount = KestrelHeaderCount;
        limits.MaxRequestHeadersTotalSize = KestrelHeadersTotalSize;
        limits.MaxRequestBufferSize = ReadBufferSize;
        // Uploads stream through wsgi.input and are never buffered whole. --limit-request-body is
        // Dram's to enforce: Kestrel's limit counts a chunked body's framing as well as its bytes.
        limits.MaxRequestBodySize = null;
    }
}
