using System.Text;

namespace Dram.Tests.Hostile;

/// <summary>
/// One fuzz case: the bytes sent, in the writes they were sent in, how they were made, and how the
/// client ends: by half-closing, or (when <paramref name="HalfClose"/> is false) by a last write of
/// an ordinary request with Connection: close, so the server ends the connection once it reaches it.
/// </summary>
public sealed record FuzzCase(int Index, byte[] Bytes, IReadOnlyList<byte[]> Pieces, bool HalfClose, string Recipe)
{
    /// <summary>The bytes with control and non-ASCII bytes escaped, for a failure message.</summary>
    public string Printable()
    {
        var text = new StringBuilder();
        foreach (var b in Bytes)
        {
            text.Append(b switch
            {
                (byte)'\r' => "\\r",
                (byte)'\n' => "\\n",
                < 0x20 or >= 0x7f => $"\\x{b:x2}",
                _ => ((char)b).ToString(),
            });
        }
        return text.ToString();
    }
}
