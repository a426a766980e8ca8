using System.Text;

namespace Dram.Tests.Infrastructure;

/// <summary>One HTTP/1.x response exactly as it came off the wire.</summary>
public sealed class RawResponse
{
    public required string StatusLine { get; init; }
    public required int StatusCode { get; init; }
    public required IReadOnlyList<KeyValuePair<string, string>> Headers { get; init; }
    public required byte[] Body { get; init; }

    /// <summary>True when the body was framed by chunked encoding.</summary>
    public bool Chunked { get; init; }

    public string BodyText => Encoding.Latin1.GetString(Body);

    public string? Header(string name) => Headers.FirstOrDefault(h => h.Key.Equals(name, StringComparison.OrdinalIgnoreCase)).Value;

    public IEnumerable<string> HeaderValues(string name) =>
        Headers.Where(h => h.Key.Equals(name, StringComparison.OrdinalIgnoreCase)).Select(h => h.Value);
}
