using System.Runtime.InteropServices;
using Dram.Python.Native;

namespace Dram.Python;

/// <summary>
/// A Python type implemented in C#: made once with <c>PyType_FromSpec</c>; its methods and slots
/// are <c>[UnmanagedCallersOnly]</c> functions. Each instance carries two machine words after the
/// object header (<see cref="Word0"/>, <see cref="Word1"/>) that tie it to C# state, e.g. a
/// GCHandle and a generation number that tells a stale object from a live one. A type made with a
/// vectorcall function carries a third word, the function pointer, so that calls from Python reach
/// it with their arguments in place instead of packed into a new tuple (PEP 590).
/// </summary>
public sealed unsafe class NativeType
{
    // Slot ids from CPython's typeslots.h (stable ABI: identical in every 3.x).
    public const int SlotCall = 50;
    public const int SlotDealloc = 52;
    public const int SlotDoc = 56;
    public const int SlotIter = 62;
    public const int SlotIterNext = 63;
    public const int SlotMethods = 64;
    public const int SlotMembers = 72;
    public const int SlotFree = 74;

    /// <summary>Py_TPFLAGS_HAVE_VECTORCALL.</summary>
    private const uint FlagHaveVectorcall = 1u << 11;

    /// <summary>PyMemberDef's T_PYSSIZET and READONLY.</summary>
    private const int MemberPySsizeT = 19;
    private const int MemberReadOnly = 1;

    public const int MethVarArgs = 0x0001;
    public const int MethKeywords = 0x0002;
    public const int MethNoArgs = 0x0004;
    public const int MethO = 0x0008;
    public const int MethFastCall = 0x0080;

    private static int _headerSize;
    private readonly delegate* unmanaged<nint, void> _free;

    private readonly bool _ownsWord0;

    /// <summary>The vectorcall function every instance carries, or 0.</summary>
    private readonly nint _vectorcall;

    private NativeType(nint type, bool ownsWord0, nint vectorcall)
    {
        Handle = type;
        _ownsWord0 = ownsWord0;
        _vectorcall = vectorcall;
        _free = (delegate* unmanaged<nint, void>)CApi.PyType_GetSlot(type, SlotFree);
    }

    /// <summary>The type object (a strong reference held for the life of the process).</summary>
    public nint Handle { get; }

    /// <summary>The method table entry of a Python-visible method.</summary>
    public readonly record struct Method(string Name, nint Function, int Flags, string Doc);

    /// <summary>
    /// Creates the type. <paramref name="slots"/> are (slot id, function pointer) pairs. With
    /// <paramref name="ownsWord0"/>, word 0 is a Python object reference released with the instance.
    /// A <paramref name="vectorcall"/> function (<c>vectorcallfunc</c>) answers calls from Python
    /// ahead of the type's call slot, which must still be given for callers that pass a tuple.
    /// </summary>
    public static NativeType Create(string qualifiedName, string doc, IReadOnlyList<Method> methods,
        IReadOnlyList<(int Slot, nint Function)> slots, bool ownsWord0 = false, nint vectorcall = 0)
    {
        if (_headerSize == 0)
        {
            // object.__basicsize__ is the header size of this build (16, or more when free-threaded).
            var builtins = Py.Import("builtins");
            var objectType = Py.GetAttr(builtins, "object");
            var basicsize = Py.GetAttr(objectType, "__basicsize__");
            _headerSize = (int)CApi.PyLong_AsSsize_t(basicsize);
            Py.DecRef(basicsize);
            Py.DecRef(objectType);
            Py.DecRef(builtins);
        }

        // PyMethodDef: name, function, flags (int, padded), doc; 32 bytes; a zeroed entry ends the table.
        var methodTable = (byte*)NativeMemory.AllocZeroed((nuint)(32 * (methods.Count + 1)));
        for (var i = 0; i < methods.Count; i++)
        {
            var entry = methodTable + 32 * i;
            *(nint*)entry = (nint)Py.U8(methods[i].Name);
            *(nint*)(entry + 8) = methods[i].Function;
            *(int*)(entry + 16) = methods[i].Flags;
            *(nint*)(entry + 24) = (nint)Py.U8(methods[i].Doc);
        }

        // PyType_Slot: int slot (padded), void* pfunc; 16 bytes; a zeroed entry ends the list.
        var all = new List<(int, nint)>(slots) { (SlotDoc, (nint)Py.U8(doc)) };
        if (methods.Count > 0)
        {
            all.Add((SlotMethods, (nint)methodTable));
        }
        all.Add((SlotDealloc, (nint)(delegate* unmanaged<nint, void>)&Dealloc));
        if (vectorcall != 0)
        {
            // PyMemberDef: name, int type (padded), Py_ssize_t offset, int flags (padded), doc; 40
            // bytes; a zeroed entry ends the table. __vectorcalloffset__ tells PyType_FromSpec where
            // an instance keeps its vectorcall function.
            var members = (byte*)NativeMemory.AllocZeroed(40 * 2);
            *(nint*)members = (nint)Py.U8("__vectorcalloffset__");
            *(int*)(members + 8) = MemberPySsizeT;
            *(nint*)(members + 16) = _headerSize + 16;
            *(int*)(members + 24) = MemberReadOnly;
            all.Add((SlotMembers, (nint)members));
        }
        var slotTable = (byte*)NativeMemory.AllocZeroed((nuint)(16 * (all.Count + 1)));
        for (var i = 0; i < all.Count; i++)
        {
            *(int*)(slotTable + 16 * i) = all[i].Item1;
            *(nint*)(slotTable + 16 * i + 8) = all[i].Item2;
        }

        // PyType_Spec: name, basicsize, itemsize, flags, slots. Py_TPFLAGS_DEFAULT only:
        // instances cannot be made from Python (no tp_new) and the type cannot be subclassed.
        var spec = (byte*)NativeMemory.AllocZeroed(32);
        *(nint*)spec = (nint)Py.U8(qualifiedName);
        *(int*)(spec + 8) = _headerSize + (vectorcall != 0 ? 24 : 16);
        *(int*)(spec + 12) = 0;
        *(uint*)(spec + 16) = (1u << 18) | (vectorcall != 0 ? FlagHaveVectorcall : 0);
        *(nint*)(spec + 24) = (nint)slotTable;
        var type = Py.Check(CApi.PyType_FromSpec((nint)spec));
        var created = new NativeType(type, ownsWord0, vectorcall);
        Types[type] = created;
        return created;
    }

    private static readonly Dictionary<nint, NativeType> Types = [];

    /// <summary>A new instance (new reference) carrying the two words.</summary>
    public nint New(nint word0, long word1)
    {
        var obj = Py.Check(CApi.PyType_GenericAlloc(Handle, 0));
        *(nint*)(obj + _headerSize) = word0;
        *(long*)(obj + _headerSize + 8) = word1;
        if (_vectorcall != 0)
        {
            *(nint*)(obj + _headerSize + 16) = _vectorcall;
        }
        return obj;
    }

    public static nint Word0(nint obj) => *(nint*)(obj + _headerSize);

    public static long Word1(nint obj) => *(long*)(obj + _headerSize + 8);

    public static void SetWords(nint obj, nint word0, long word1)
    {
        *(nint*)(obj + _headerSize) = word0;
        *(long*)(obj + _headerSize + 8) = word1;
    }

    public bool IsInstance(nint obj) => CApi.TypeOf(obj) == Handle;

    [UnmanagedCallersOnly]
    private static void Dealloc(nint obj)
    {
        var type = CApi.TypeOf(obj);
        if (Types.TryGetValue(type, out var native))
        {
            if (native._ownsWord0 && Word0(obj) is var owned and not 0)
            {
                SetWords(obj, 0, 0);
                Py.DecRef(owned);
            }
            native._free(obj);
        }
        // Instances of heap types own a reference to their type.
        Py.DecRef(type);
    }
}
