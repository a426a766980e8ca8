using Dram.Python;
using Dram.Python.Native;

namespace Dram.Wsgi;

/// <summary>
/// The status lines, header names and header values an app passes to start_response, by str
/// object: apps hand over the same objects request after request (literals in their code, a
/// framework's constant names), so their checked .NET text is kept under the object's identity
/// and found without reading, hashing or validating the characters again. Each cached object is
/// held by a reference, so its address cannot be reused by another object while it is cached.
/// Fixed in size, two ways per set (two objects whose addresses share a slot do not push each
/// other out request after request); only short exact str objects are kept. One per Python
/// thread, used with the GIL held.
/// </summary>
internal sealed class ResponseTextCache
{
    private const int Size = 256;
    private const int MaxCachedLength = 128;

    private readonly nint[] _objects = new nint[Size];
    private readonly string[] _texts = new string[Size];
    private readonly ResponseTextChecks[] _checks = new ResponseTextChecks[Size];
    private readonly int[] _statusCodes = new int[Size];
    private readonly string?[] _reasons = new string?[Size];
    private readonly long[] _lengths = new long[Size];

    /// <summary>Per set, the way that was filled last: the other one is replaced next.</summary>
    private readonly byte[] _filledLast = new byte[Size / 2];

    /// <summary>Text of str objects not found here, by content.</summary>
    public Latin1StringCache Latin1 { get; } = new();

    /// <summary>Where <paramref name="obj"/> is kept or, when it is not, where it would be.</summary>
    public int SlotOf(nint obj)
    {
        // Objects are 16-byte aligned; folding in higher bits spreads objects a page apart.
        var hash = (nuint)obj >> 4;
        var first = (int)(hash ^ (hash >> 7)) & (Size - 2);
        if (_objects[first] == obj)
        {
            return first;
        }
        if (_objects[first + 1] == obj)
        {
            return first + 1;
        }
        if (_objects[first] == 0)
        {
            return first;
        }
        return _objects[first + 1] == 0 || _filledLast[first >> 1] == 0 ? first + 1 : first;
    }

    /// <summary>The text of <paramref name="obj"/> when it is the object cached in its slot.</summary>
    public bool TryGet(nint obj, int slot, out string text)
    {
        if (_objects[slot] == obj)
        {
            text = _texts[slot];
            return true;
        }
        text = "";
        return false;
    }

    /// <summary>Keeps <paramref name="text"/> for <paramref name="obj"/> (an exact str), replacing whatever the slot held.</summary>
    public void Add(nint obj, int slot, string text)
    {
        if (text.Length > MaxCachedLength || CApi.TypeOf(obj) != CApi.UnicodeType)
        {
            return;
        }
        var evicted = _objects[slot];
        Py.IncRef(obj);
        _objects[slot] = obj;
        _texts[slot] = text;
        _checks[slot] = ResponseTextChecks.None;
        _filledLast[slot >> 1] = (byte)(slot & 1);
        // Released last: freeing a str runs no Python code, but the slot is consistent first anyway.
        Py.XDecRef(evicted);
    }

    /// <summary>True when the object in <paramref name="slot"/> passed <paramref name="check"/> already.</summary>
    public bool Passed(nint obj, int slot, ResponseTextChecks check) =>
        _objects[slot] == obj && (_checks[slot] & check) == check;

    /// <summary>The parsed status line <paramref name="obj"/> when it was checked before.</summary>
    public bool TryGetStatus(nint obj, int slot, out int code, out string? reason)
    {
        if (Passed(obj, slot, ResponseTextChecks.StatusLine))
        {
            code = _statusCodes[slot];
            reason = _reasons[slot];
            return true;
        }
        code = 0;
        reason = null;
        return false;
    }

    /// <summary>Records a valid status line with what it parsed to.</summary>
    public void RecordStatus(nint obj, int slot, int code, string? reason)
    {
        if (_objects[slot] == obj)
        {
            _statusCodes[slot] = code;
            _reasons[slot] = reason;
            _checks[slot] |= ResponseTextChecks.StatusLine;
        }
    }

    /// <summary>The Content-Length value <paramref name="obj"/> gave when it was parsed before.</summary>
    public bool TryGetLength(nint obj, int slot, out long length)
    {
        if (Passed(obj, slot, ResponseTextChecks.ContentLengthValue))
        {
            length = _lengths[slot];
            return true;
        }
        length = -1;
        return false;
    }

    /// <summary>Records a valid Content-Length value with the number it parsed to.</summary>
    public void RecordLength(nint obj, int slot, long length)
    {
        if (_objects[slot] == obj)
        {
            _lengths[slot] = length;
            _checks[slot] |= ResponseTextChecks.ContentLengthValue;
        }
    }

    /// <summary>Records that the object in <paramref name="slot"/> passed <paramref name="check"/>.</summary>
    public void Record(nint obj, int slot, ResponseTextChecks check)
    {
        if (_objects[slot] == obj)
        {
            _checks[slot] |= check;
        }
    }
}
