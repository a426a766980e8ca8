using System.Text;

namespace Dram.Wsgi;

/// <summary>
/// Turns the bytes of response header names, values and status lines into .NET strings without
/// allocating when the same text came before (Content-Type, Content-Length values, "200 OK"...).
/// Direct-mapped and fixed in size, so hostile or varied input cannot grow it. One per Python thread.
/// </summary>
internal sealed class Latin1StringCache
{
    private const int Size = 512;
    private const int MaxCachedLength = 128;
    private readonly byte[]?[] _keys = new byte[Size][];
    private readonly string?[] _values = new string[Size];

    public string Get(ReadOnlySpan<byte> latin1)
    {
        if (latin1.Length > MaxCachedLength)
        {
            return Encoding.Latin1.GetString(latin1);
        }
        var hash = new HashCode();
        hash.AddBytes(latin1);
        var slot = hash.ToHashCode() & (Size - 1);
        var key = _keys[slot];
        if (key is not null && latin1.SequenceEqual(key))
        {
            return _values[slot]!;
        }
        var value = Encoding.Latin1.GetString(latin1);
        _keys[slot] = latin1.ToArray();
        _values[slot] = value;
        return value;
    }
}
