using System.Text;

namespace Dram.Tests.Hostile;

/// <summary>One response parsed strictly from the wire.</summary>
public sealed record ParsedResponse(int Status, IReadOnlyList<KeyValuePair<string, string>> Headers, byte[] Body, bool Chunked)
{
    public string? Header(string name) => Headers.FirstOrDefault(h => h.Key.Equals(name, StringComparison.OrdinalIgnoreCase)).Value;

    public string BodyText => Encoding.Latin1.GetString(Body);

    public bool ClosesConnection => Header("Connection")?.Contains("close", StringComparison.OrdinalIgnoreCase) == true;
}
