using System.Runtime.CompilerServices;
using System.Text;
using Dram.Python.Native;

namespace Dram.Python;

/// <summary>
/// Thin wrappers over <see cref="CApi"/> for code that holds the GIL. Functions named
/// <c>New…</c> return a new reference the caller owns; <c>Borrow…</c> a borrowed one.
/// </summary>
public static unsafe class Py
{
    public static nint None => CApi.None;
    public static nint True => CApi.True;
    public static nint False => CApi.False;

    /// <summary><c>Py_XINCREF</c>: a null object is ignored.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void IncRef(nint obj)
    {
        switch (CApi.RefCounts)
        {
            case RefCountLayout.Plain when obj != 0:
                (*(nint*)obj)++;
                return;
            case RefCountLayout.ImmortalAware when obj != 0:
                var count = *(uint*)obj + 1;
                if (count != 0)
                {
                    *(uint*)obj = count;
                }
                return;
            default:
                CApi.Py_IncRef(obj);
                return;
        }
    }

    /// <summary><c>Py_XDECREF</c>: a null object is ignored; the last reference frees the object in libpython.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void DecRef(nint obj)
    {
        if (obj != 0 && CApi.RefCounts != RefCountLayout.Calls)
        {
            var count = (nint*)obj;
            if (CApi.RefCounts == RefCountLayout.ImmortalAware && (int)*count < 0)
            {
                return;
            }
            if (*count > 1)
            {
                (*count)--;
                return;
            }
        }
        CApi.Py_DecRef(obj);
    }

    /// <summary>
    /// True when the caller's reference is the object's only one, so nothing else can see the
    /// object change. Always false where counts are not read in place (free-threaded, debug builds).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool IsSoleReference(nint obj) => CApi.RefCounts != RefCountLayout.Calls && *(nint*)obj == 1;

    // Offsets in a default 64-bit build (see CApi.KnownObjectLayout): ob_size follows the
    // 16-byte object header; a list then points to its item array, a tuple holds its items, and
    // bytes keep their (deprecated but present) cached hash before the characters.
    private const int VarSizeOffset = 16;
    private const int ItemsOffset = 24;
    private const int BytesDataOffset = 32;

    /// <summary><c>PyList_Size</c> for a list (or a subclass of list).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static nint ListSize(nint list) =>
        CApi.KnownObjectLayout ? *(nint*)(list + VarSizeOffset) : CApi.PyList_Size(list);

    /// <summary>
    /// <c>PyList_GetItem</c> (borrowed) for a list or a subclass of list. The index is checked
    /// against the list's size now, since Python code run between two reads may have shrunk it;
    /// out of range, the function is called to raise IndexError.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static nint ListItem(nint list, nint index)
    {
        if (CApi.KnownObjectLayout && (nuint)index < (nuint)(*(nint*)(list + VarSizeOffset)))
        {
            return (*(nint**)(list + ItemsOffset))[index];
        }
        return CApi.PyList_GetItem(list, index);
    }

    /// <summary><c>PyTuple_Size</c> for a tuple (or a subclass of tuple).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static nint TupleSize(nint tuple) =>
        CApi.KnownObjectLayout ? *(nint*)(tuple + VarSizeOffset) : CApi.PyTuple_Size(tuple);

    /// <summary><c>PyTuple_GetItem</c> (borrowed) for a tuple or a subclass; out of range raises IndexError.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static nint TupleItem(nint tuple, nint index)
    {
        if (CApi.KnownObjectLayout && (nuint)index < (nuint)(*(nint*)(tuple + VarSizeOffset)))
        {
            return ((nint*)(tuple + ItemsOffset))[index];
        }
        return CApi.PyTuple_GetItem(tuple, index);
    }

    /// <summary><c>PyBytes_Size</c> for a bytes object (or a subclass of bytes).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static nint BytesSize(nint bytes) =>
        CApi.KnownObjectLayout ? *(nint*)(bytes + VarSizeOffset) : CApi.PyBytes_Size(bytes);

    /// <summary>The characters and length of a bytes object (or a subclass of bytes), as <c>PyBytes_AsString</c>/<c>PyBytes_Size</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ReadOnlySpan<byte> BytesSpan(nint bytes) => CApi.KnownObjectLayout
        ? new ReadOnlySpan<byte>((byte*)(bytes + BytesDataOffset), checked((int)*(nint*)(bytes + VarSizeOffset)))
        : new ReadOnlySpan<byte>(CApi.PyBytes_AsString(bytes), checked((int)CApi.PyBytes_Size(bytes)));

    /// <summary>The same as <see cref="DecRef"/>, which ignores null already; the name says the caller may pass none.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void XDecRef(nint obj) => DecRef(obj);

    public static nint NewRef(nint obj)
    {
        IncRef(obj);
        return obj;
    }

    public static nint TypeOf(nint obj) => CApi.TypeOf(obj);

    /// <summary>Fails with the pending Python error when <paramref name="result"/> is NULL.</summary>
    public static nint Check(nint result)
    {
        if (result == 0)
        {
            throw FetchError();
        }
        return result;
    }

    public static void Check(int status)
    {
        if (status < 0)
        {
            throw FetchError();
        }
    }

    /// <summary>A Python <c>str</c> with the same characters (no encoding step: UTF-16 code units).</summary>
    public static nint NewString(string value) => NewString(value.AsSpan());

    /// <summary>A new str of <paramref name="chars"/> (a whole string, part of one, or text formatted on the stack).</summary>
    public static nint NewString(ReadOnlySpan<char> chars)
    {
        fixed (char* p = chars)
        {
            return Check(CApi.PyUnicode_FromKindAndData(CApi.UnicodeKind2Byte, p, chars.Length));
        }
    }

    /// <summary>A Python <c>str</c> whose code points are the bytes (PEP 3333's "bytes as unicode").</summary>
    public static nint NewLatin1String(ReadOnlySpan<byte> bytes)
    {
        fixed (byte* p = bytes)
        {
            return Check(CApi.PyUnicode_FromKindAndData(CApi.UnicodeKind1Byte, p, bytes.Length));
        }
    }

    public static nint NewInternedString(string value)
    {
        var utf8 = Encoding.UTF8.GetBytes(value + "\0");
        fixed (byte* p = utf8)
        {
            return Check(CApi.PyUnicode_InternFromString(p));
        }
    }

    public static nint NewBytes(ReadOnlySpan<byte> bytes)
    {
        fixed (byte* p = bytes)
        {
            return Check(CApi.PyBytes_FromStringAndSize(p, bytes.Length));
        }
    }

    public static nint NewInt(long value) => Check(CApi.PyLong_FromSsize_t((nint)value));

    /// <summary>The text of a <c>str</c>, or null (error cleared) if it is not one.</summary>
    public static string? ToStringOrNull(nint obj)
    {
        nint size;
        var data = CApi.PyUnicode_AsUTF8AndSize(obj, &size);
        if (data == null)
        {
            CApi.PyErr_Clear();
            return null;
        }
        return Encoding.UTF8.GetString(data, (int)size);
    }

    /// <summary><c>str(obj)</c> as .NET text; never throws.</summary>
    public static string Describe(nint obj) => TextOf(CApi.PyObject_Str(obj));

    /// <summary><c>repr(obj)</c> as .NET text; never throws.</summary>
    public static string Repr(nint obj) => TextOf(CApi.PyObject_Repr(obj));

    /// <summary>The text of a new reference to a str (released here), or a placeholder if the conversion failed.</summary>
    private static string TextOf(nint str)
    {
        if (str == 0)
        {
            CApi.PyErr_Clear();
            return "<unprintable object>";
        }
        var text = ToStringOrNull(str) ?? "<unprintable object>";
        DecRef(str);
        return text;
    }

    public static string TypeName(nint obj)
    {
        var type = TypeOf(obj);
        var name = CApi.PyObject_GetAttrString(type, U8("__name__"));
        if (name == 0)
        {
            CApi.PyErr_Clear();
            return "object";
        }
        var text = ToStringOrNull(name) ?? "object";
        DecRef(name);
        return text;
    }

    public static nint Import(string module)
    {
        var utf8 = Encoding.UTF8.GetBytes(module + "\0");
        fixed (byte* p = utf8)
        {
            return Check(CApi.PyImport_ImportModule(p));
        }
    }

    public static nint GetAttr(nint obj, string name)
    {
        var utf8 = Encoding.UTF8.GetBytes(name + "\0");
        fixed (byte* p = utf8)
        {
            return Check(CApi.PyObject_GetAttrString(obj, p));
        }
    }

    public static void SetAttr(nint obj, string name, nint value)
    {
        var utf8 = Encoding.UTF8.GetBytes(name + "\0");
        fixed (byte* p = utf8)
        {
            Check(CApi.PyObject_SetAttrString(obj, p, value));
        }
    }

    /// <summary>Calls <paramref name="callable"/> with the given arguments (borrowed) and returns a new reference.</summary>
    public static nint Call(nint callable, params ReadOnlySpan<nint> args)
    {
        var tuple = Check(CApi.PyTuple_New(args.Length));
        for (var i = 0; i < args.Length; i++)
        {
            IncRef(args[i]);
            CApi.PyTuple_SetItem(tuple, i, args[i]);
        }
        var result = CApi.PyObject_Call(callable, tuple, 0);
        DecRef(tuple);
        return Check(result);
    }

    /// <summary>Runs Python source once in a fresh namespace (start-up helpers, never per request) and returns that namespace.</summary>
    public static nint RunModuleSource(string source, string fileName)
    {
        var globals = Check(CApi.PyDict_New());
        var builtins = CApi.PyEval_GetBuiltins();
        fixed (byte* key = "__builtins__\0"u8)
        {
            CApi.PyDict_SetItemString(globals, key, builtins);
        }
        var name = NewString(fileName);
        fixed (byte* key = "__name__\0"u8)
        {
            CApi.PyDict_SetItemString(globals, key, name);
        }
        DecRef(name);
        var code = Encoding.UTF8.GetBytes(source + "\0");
        fixed (byte* p = code)
        {
            var result = CApi.PyRun_StringFlags(p, CApi.FileInput, globals, globals, 0);
            if (result == 0)
            {
                DecRef(globals);
                throw FetchError();
            }
            DecRef(result);
        }
        return globals;
    }

    /// <summary>A borrowed item of a namespace dict by name, or 0.</summary>
    public static nint BorrowItem(nint dict, string key)
    {
        var k = NewString(key);
        var value = CApi.PyDict_GetItemWithError(dict, k);
        DecRef(k);
        return value;
    }

    public static void SetItem(nint dict, nint key, nint value) => Check(CApi.PyDict_SetItem(dict, key, value));

    /// <summary>Sets a Python exception of <paramref name="type"/> with <paramref name="message"/>.</summary>
    public static void SetError(nint type, string message)
    {
        var utf8 = Encoding.UTF8.GetBytes(message + "\0");
        fixed (byte* p = utf8)
        {
            CApi.PyErr_SetString(type, p);
        }
    }

    /// <summary>Takes the pending Python error (clearing it) as a <see cref="PythonException"/> with its traceback.</summary>
    public static PythonException FetchError()
    {
        nint type, value, traceback;
        CApi.PyErr_Fetch(&type, &value, &traceback);
        if (type == 0)
        {
            return new PythonException("SystemError", "a Python call failed without setting an exception", "");
        }
        CApi.PyErr_NormalizeException(&type, &value, &traceback);
        if (traceback != 0 && value != 0)
        {
            CApi.PyException_SetTraceback(value, traceback);
        }
        var typeName = "Exception";
        var name = CApi.PyObject_GetAttrString(type, U8("__name__"));
        if (name != 0)
        {
            typeName = ToStringOrNull(name) ?? typeName;
            DecRef(name);
        }
        else
        {
            CApi.PyErr_Clear();
        }
        var message = value != 0 ? Describe(value) : "";
        var formatted = FormatException(type, value, traceback) ?? $"{typeName}: {message}";
        XDecRef(type);
        XDecRef(value);
        XDecRef(traceback);
        return new PythonException(typeName, message, formatted);
    }

    private static string? FormatException(nint type, nint value, nint traceback)
    {
        var module = CApi.PyImport_ImportModule(U8("traceback"));
        if (module == 0)
        {
            CApi.PyErr_Clear();
            return null;
        }
        var format = CApi.PyObject_GetAttrString(module, U8("format_exception"));
        DecRef(module);
        if (format == 0)
        {
            CApi.PyErr_Clear();
            return null;
        }
        nint lines;
        try
        {
            lines = Call(format, type, value == 0 ? None : value, traceback == 0 ? None : traceback);
        }
        catch (PythonException)
        {
            DecRef(format);
            return null;
        }
        DecRef(format);
        var sb = new StringBuilder();
        var count = CApi.PyList_Size(lines);
        for (nint i = 0; i < count; i++)
        {
            sb.Append(ToStringOrNull(CApi.PyList_GetItem(lines, i)));
        }
        DecRef(lines);
        return sb.ToString().TrimEnd('\n');
    }

    /// <summary>A pointer to a NUL-terminated UTF-8 literal that lives for the process.</summary>
    public static byte* U8(string literal) => Utf8Literals.Get(literal);
}
