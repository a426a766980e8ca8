using Dram.Python;

namespace Dram.Wsgi;

/// <summary>
/// Python str objects for request text that repeats (header values such as Host, User-Agent or
/// Accept, the request target): a keep-alive client sends the same text request after request,
/// and a str is immutable, so one object can go into every environ that needs it instead of a new
/// one per request. Direct-mapped on the text's length and a few of its characters, compared in
/// full, fixed in size, and only for short text: varied or hostile input costs one comparison and
/// cannot grow memory. One per Python thread, used with the GIL held.
/// </summary>
internal sealed class PythonStringMemo
{
    private const int Size = 64;
    private const int MaxLength = 256;

    private readonly string?[] _texts = new string?[Size];
    private readonly nint[] _objects = new nint[Size];

    /// <summary>A new reference to a str equal to <paramref name="text"/>.</summary>
    public nint Get(string text)
    {
        if (text.Length == 0 || text.Length > MaxLength)
        {
            return Py.NewString(text);
        }
        var slot = (text.Length * 31 + text[0] + text[text.Length >> 1] * 7 + text[^1] * 131) & (Size - 1);
        var known = _texts[slot];
        if (ReferenceEquals(known, text) || string.Equals(known, text, StringComparison.Ordinal))
        {
            return Py.NewRef(_objects[slot]);
        }
        var created = Py.NewString(text);
        var evicted = _objects[slot];
        _objects[slot] = Py.NewRef(created);
        _texts[slot] = text;
        Py.XDecRef(evicted);
        return created;
    }
}
