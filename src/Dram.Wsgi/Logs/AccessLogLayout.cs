using System.Buffers;

namespace Dram.Wsgi.Logs;

/// <summary>
/// How an entry becomes one line: Gunicorn's <c>%(h)s</c> format (<see cref="AccessLogFormat"/>)
/// or a JSON object (<see cref="AccessLogJson"/>). It names the headers and environ values it
/// needs, so only those are captured per request.
/// </summary>
public abstract class AccessLogLayout
{
    /// <summary>Request headers captured for <c>%({name}i)s</c> fields.</summary>
    internal IReadOnlyList<string> RequestHeaders { get; init; } = [];

    /// <summary>Response headers captured for <c>%({name}o)s</c> fields.</summary>
    internal IReadOnlyList<string> ResponseHeaders { get; init; } = [];

    /// <summary>Environ keys captured for <c>%({name}e)s</c> fields.</summary>
    internal IReadOnlyList<string> EnvironKeys { get; init; } = [];

    /// <summary>Appends the entry's line, newline included, as UTF-8.</summary>
    internal abstract void Render(AccessLogEntry entry, AccessLogContext context, ArrayBufferWriter<byte> output);
}
