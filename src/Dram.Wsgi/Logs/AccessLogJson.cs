using System.Buffers;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Dram.Wsgi.Logs;

/// <summary>
/// <c>--access-log-json</c>: one JSON object per line with named fields, for log shippers that
/// would otherwise parse the combined format with a regular expression:
/// <c>{"time":"2026-11-22T07:05:21.042+00:00","remote":"203.0.113.7","method":"GET","path":"/a","query":"b=1",
/// "protocol":"HTTP/1.1","status":200,"bytes":512,"duration_ms":3.214,"referer":null,"user_agent":"curl/8.5.0","pid":4242,"worker":1}</c>.
/// <c>path</c> is the path as the client sent it (percent-encoded, mount point included); absent
/// headers and a unix-socket peer without a forwarded address are <c>null</c>.
/// </summary>
public sealed class AccessLogJson : AccessLogLayout
{
    private readonly ArrayBufferWriter<byte> _scratch = new(512);
    private readonly Utf8JsonWriter _writer;

    public AccessLogJson()
    {
        // Non-ASCII text stays readable; quotes, backslashes and control characters are escaped.
        _writer = new Utf8JsonWriter(_scratch, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, SkipValidation = true });
    }

    internal override void Render(AccessLogEntry entry, AccessLogContext context, ArrayBufferWriter<byte> output)
    {
        _scratch.ResetWrittenCount();
        _writer.Reset(_scratch);
        _writer.WriteStartObject();
        _writer.WriteString("time"u8, AccessLogContext.LocalTime(entry).ToString("yyyy-MM-dd'T'HH:mm:ss.fffzzz", System.Globalization.CultureInfo.InvariantCulture));
        var remote = context.RemoteAddress(entry);
        if (remote.Length > 0)
        {
            _writer.WriteString("remote"u8, remote);
        }
        else
        {
            _writer.WriteNull("remote"u8);
        }
        _writer.WriteString("method"u8, entry.Method);
        _writer.WriteString("path"u8, RequestTarget.RawPath(entry.Target));
        _writer.WriteString("query"u8, RequestTarget.Query(entry.Target));
        _writer.WriteString("protocol"u8, entry.Protocol);
        _writer.WriteNumber("status"u8, entry.Status);
        _writer.WriteNumber("bytes"u8, entry.Bytes);
        _writer.WriteNumber("duration_ms"u8, Math.Round(entry.Duration.TotalMilliseconds, 3));
        WriteOptional("referer"u8, AccessLogContext.Joined(entry.Referer));
        WriteOptional("user_agent"u8, AccessLogContext.Joined(entry.UserAgent));
        _writer.WriteNumber("pid"u8, context.Pid);
        _writer.WriteNumber("worker"u8, context.Worker);
        _writer.WriteEndObject();
        _writer.Flush();
        output.Write(_scratch.WrittenSpan);
        output.Write("\n"u8);
    }

    private void WriteOptional(ReadOnlySpan<byte> name, string? value)
    {
        if (value is null)
        {
            _writer.WriteNull(name);
        }
        else
        {
            _writer.WriteString(name, value);
        }
    }
}
