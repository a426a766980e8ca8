using System.Text;

namespace Dram.Hosting;

/// <summary>
/// How Kestrel decodes a request's Content-Length value: only <c>1*DIGIT</c> (RFC 9110 §8.6), at
/// most 19 digits (a long). Kestrel's own parse of the decoded text also takes a sign (<c>+5</c>)
/// and answers a value longer than 20 characters by dropping the connection without a word.
/// Anything but digits makes decoding throw <see cref="InvalidOperationException"/>, which Kestrel
/// answers with 400 and a closed connection, so a length a proxy in front may read differently
/// never frames a body here.
/// </summary>
internal sealed class StrictContentLengthEncoding : Encoding
{
    /// <summary>Digits in long.MaxValue.</summary>
    private const int MaxDigits = 19;

    public static readonly StrictContentLengthEncoding Instance = new();

    private StrictContentLengthEncoding()
    {
    }

    public override int GetCharCount(ReadOnlySpan<byte> bytes) => Validate(bytes);

    public override int GetChars(ReadOnlySpan<byte> bytes, Span<char> chars)
    {
        var count = Validate(bytes);
        for (var i = 0; i < count; i++)
        {
            chars[i] = (char)bytes[i];
        }
        return count;
    }

    public override string GetString(byte[] bytes, int index, int count) =>
        string.Create(Validate(bytes.AsSpan(index, count)), bytes.AsMemory(index, count), static (chars, digits) =>
        {
            for (var i = 0; i < chars.Length; i++)
            {
                chars[i] = (char)digits.Span[i];
            }
        });

    public override int GetCharCount(byte[] bytes, int index, int count) => GetCharCount(bytes.AsSpan(index, count));

    public override int GetChars(byte[] bytes, int byteIndex, int byteCount, char[] chars, int charIndex) =>
        GetChars(bytes.AsSpan(byteIndex, byteCount), chars.AsSpan(charIndex));

    // Kestrel only decodes request headers; encoding is defined for completeness, digits only too.
    public override int GetByteCount(char[] chars, int index, int count) => count;

    public override int GetBytes(char[] chars, int charIndex, int charCount, byte[] bytes, int byteIndex)
    {
        for (var i = 0; i < charCount; i++)
        {
            var c = chars[charIndex + i];
            bytes[byteIndex + i] = char.IsAsciiDigit(c) ? (byte)c : throw new InvalidOperationException($"Content-Length cannot contain '{c}'");
        }
        return charCount;
    }

    public override int GetMaxByteCount(int charCount) => charCount;

    public override int GetMaxCharCount(int byteCount) => byteCount;

    private static int Validate(ReadOnlySpan<byte> bytes)
    {
        if (bytes.IsEmpty || bytes.Length > MaxDigits)
        {
            throw new InvalidOperationException($"Content-Length must be 1 to {MaxDigits} digits, got {bytes.Length} bytes");
        }
        foreach (var b in bytes)
        {
            if (b is < (byte)'0' or > (byte)'9')
            {
                throw new InvalidOperationException("Content-Length must be digits only");
            }
        }
        return bytes.Length;
    }
}
