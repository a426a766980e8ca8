using System.Collections.Concurrent;
using System.Runtime.InteropServices;
using System.Text;

namespace Dram.Python;

/// <summary>NUL-terminated UTF-8 copies of names passed to the C API, made once and never freed.</summary>
internal static unsafe class Utf8Literals
{
    private static readonly ConcurrentDictionary<string, nint> Cache = new(StringComparer.Ordinal);

    public static byte* Get(string literal) => (byte*)Cache.GetOrAdd(literal, static s =>
    {
        var bytes = Encoding.UTF8.GetBytes(s);
        var p = (byte*)NativeMemory.Alloc((nuint)bytes.Length + 1);
        bytes.CopyTo(new Span<byte>(p, bytes.Length));
        p[bytes.Length] = 0;
        return (nint)p;
    });
}
