namespace Dram.Python.Native;

/// <summary>
/// The CPython C API, resolved once from the loaded libpython. Only functions exported by every
/// CPython from 3.10 to 3.13 are used, and reference counts are changed only through
/// <c>Py_IncRef</c>/<c>Py_DecRef</c> or the header layout <see cref="RefCounts"/> names for the
/// running version, so one build works with every version and with free-threaded builds, whose
/// object header differs.
/// Every <c>nint</c> here is a <c>PyObject*</c> unless its name says otherwise.
/// </summary>
internal static unsafe class CApi
{
    public static delegate* unmanaged<nint, void> Py_IncRef;
    public static delegate* unmanaged<nint, void> Py_DecRef;
    public static delegate* unmanaged<byte*, nint*, nint> Py_DecodeLocale;
    public static delegate* unmanaged<nint, void> Py_SetProgramName;
    public static delegate* unmanaged<int, void> Py_InitializeEx;
    public static delegate* unmanaged<int> Py_IsInitialized;
    public static delegate* unmanaged<nint> PyEval_SaveThread;
    public static delegate* unmanaged<nint, void> PyEval_RestoreThread;
    public static delegate* unmanaged<int> PyGILState_Ensure;
    public static delegate* unmanaged<int, void> PyGILState_Release;
    public static delegate* unmanaged<ulong> PyThread_get_thread_ident;
    public static delegate* unmanaged<nuint, nint, int> PyThreadState_SetAsyncExc;

    public static delegate* unmanaged<byte*, nint> PyImport_ImportModule;
    public static delegate* unmanaged<nint, byte*, nint> PyObject_GetAttrString;
    public static delegate* unmanaged<nint, nint, nint> PyObject_GetAttr;
    public static delegate* unmanaged<nint, byte*, nint, int> PyObject_SetAttrString;
    public static delegate* unmanaged<nint, nint, nint, nint> PyObject_Call;

    /// <summary>Exported from 3.11 on (an inline function in 3.10's headers): null where absent.</summary>
    public static delegate* unmanaged<nint, nint*, nuint, nint, nint> PyObject_Vectorcall;

    /// <summary>Ored into a vectorcall's argument count: the slot before the first argument may be used by the callee.</summary>
    public static readonly nuint VectorcallArgumentsOffset = (nuint)1 << (sizeof(nint) * 8 - 1);
    public static delegate* unmanaged<nint, nint> PyObject_CallNoArgs;
    public static delegate* unmanaged<nint, nint> PyObject_GetIter;
    public static delegate* unmanaged<nint, nint> PyIter_Next;
    public static delegate* unmanaged<nint, nint> PyObject_Str;
    public static delegate* unmanaged<nint, nint> PyObject_Repr;
    public static delegate* unmanaged<nint, int> PyObject_IsTrue;
    public static delegate* unmanaged<nint, int> PyCallable_Check;
    public static delegate* unmanaged<nint, nint, int> PyObject_IsInstance;
    public static delegate* unmanaged<nint, int> PyObject_AsFileDescriptor;

    public static delegate* unmanaged<nint> PyErr_Occurred;
    public static delegate* unmanaged<nint*, nint*, nint*, void> PyErr_Fetch;
    public static delegate* unmanaged<nint, nint, nint, void> PyErr_Restore;
    public static delegate* unmanaged<nint*, nint*, nint*, void> PyErr_NormalizeException;
    public static delegate* unmanaged<nint, byte*, void> PyErr_SetString;
    public static delegate* unmanaged<nint, nint, void> PyErr_SetObject;
    public static delegate* unmanaged<void> PyErr_Clear;
    public static delegate* unmanaged<nint, int> PyErr_ExceptionMatches;
    public static delegate* unmanaged<nint, nint, int> PyErr_GivenExceptionMatches;
    public static delegate* unmanaged<nint, nint, int> PyException_SetTraceback;

    public static delegate* unmanaged<byte*, nint, nint> PyUnicode_FromStringAndSize;
    public static delegate* unmanaged<int, void*, nint, nint> PyUnicode_FromKindAndData;
    public static delegate* unmanaged<byte*, nint, byte*, nint> PyUnicode_DecodeLatin1;
    public static delegate* unmanaged<nint, nint*, byte*> PyUnicode_AsUTF8AndSize;
    public static delegate* unmanaged<nint, nint> PyUnicode_AsLatin1String;
    public static delegate* unmanaged<byte*, nint> PyUnicode_InternFromString;
    public static delegate* unmanaged<nint, nint, int> PyUnicode_Compare;
    public static delegate* unmanaged<nint, nint, nint, nint> PyVectorcall_Call;

    public static delegate* unmanaged<byte*, nint, nint> PyBytes_FromStringAndSize;
    public static delegate* unmanaged<nint, byte*> PyBytes_AsString;
    public static delegate* unmanaged<nint, nint> PyBytes_Size;
    public static delegate* unmanaged<nint*, nint, int> _PyBytes_Resize;

    public static delegate* unmanaged<nint> PyDict_New;
    public static delegate* unmanaged<nint, nint, nint, int> PyDict_SetItem;
    public static delegate* unmanaged<nint, byte*, nint, int> PyDict_SetItemString;
    public static delegate* unmanaged<nint, nint, nint> PyDict_GetItemWithError;
    public static delegate* unmanaged<nint, nint> PyDict_Copy;

    /// <summary>
    /// PyDict_SetItem and PyDict_GetItemWithError without the runtime's GC transition around the
    /// call (about 30 instructions and a thread-local lookup each). Only for calls that cannot run
    /// Python code, block, or free an object: str keys (hash cached), a dict no Python code has seen,
    /// and a replaced value that something else keeps alive. A call that breaks that could deadlock a
    /// collection waiting for this thread, or enter .NET from a dealloc in the wrong GC mode.
    /// </summary>
    public static delegate* unmanaged[SuppressGCTransition]<nint, nint, nint, int> PyDict_SetItemLeaf;
    public static delegate* unmanaged[SuppressGCTransition]<nint, nint, nint> PyDict_GetItemWithErrorLeaf;

    public static delegate* unmanaged<nint, nint> PyTuple_New;
    public static delegate* unmanaged<nint, nint, nint, int> PyTuple_SetItem;
    public static delegate* unmanaged<nint, nint, nint> PyTuple_GetItem;
    public static delegate* unmanaged<nint, nint> PyTuple_Size;
    public static delegate* unmanaged<nint, nint> PyList_New;
    public static delegate* unmanaged<nint, nint, int> PyList_Append;
    public static delegate* unmanaged<nint, nint, nint, int> PyList_Insert;
    public static delegate* unmanaged<nint, nint> PyList_Size;
    public static delegate* unmanaged<nint, nint, nint> PyList_GetItem;
    public static delegate* unmanaged<nint, nint> PyLong_FromSsize_t;
    public static delegate* unmanaged<nint, nint> PyLong_AsSsize_t;
    public static delegate* unmanaged<nint, nint> PyObject_Size;

    public static delegate* unmanaged<nint, nint> PyType_FromSpec;
    public static delegate* unmanaged<nint, nint, nint> PyType_GenericAlloc;
    public static delegate* unmanaged<nint, int, nint> PyType_GetSlot;

    public static delegate* unmanaged<byte*, nint> PySys_GetObject;
    public static delegate* unmanaged<byte*, nint, int> PySys_SetObject;
    public static delegate* unmanaged<byte*, int, nint, nint, nint, nint> PyRun_StringFlags;
    public static delegate* unmanaged<nint> PyEval_GetBuiltins;
    public static delegate* unmanaged<nint, void> PyMem_RawFree;

    public static nint None;
    public static nint True;
    public static nint False;
    public static nint BytesType;
    public static nint UnicodeType;
    public static nint ListType;
    public static nint TupleType;

    /// <summary>The type of <c>iter(list)</c>: a list's chunks all exist before the first is sent.</summary>
    public static nint ListIteratorType;

    /// <summary>The type of <c>iter(tuple)</c>.</summary>
    public static nint TupleIteratorType;
    public static nint DictType;
    public static nint ExcTypeError;
    public static nint ExcValueError;
    public static nint ExcRuntimeError;
    public static nint ExcOSError;
    public static nint ExcAssertionError;
    public static nint ExcAttributeError;
    public static nint ExcImportError;
    public static nint ExcModuleNotFoundError;

    /// <summary>Offset of <c>ob_type</c> in an object header: 8 normally, 24 on free-threaded builds.</summary>
    public static int TypeFieldOffset = 8;

    public const int FileInput = 257;
    public const int EvalInput = 258;
    public const int UnicodeKind1Byte = 1;
    public const int UnicodeKind2Byte = 2;

    /// <summary>How <see cref="Py.IncRef"/> and <see cref="Py.DecRef"/> change a reference count.</summary>
    public static RefCountLayout RefCounts = RefCountLayout.Calls;

    /// <summary>
    /// The list, tuple and bytes objects have the layout every default 64-bit build of 3.10-3.13
    /// shares (the one the C API's own <c>PyList_GET_ITEM</c>-style macros read), so <see cref="Py"/>
    /// reads sizes and items in place instead of calling the accessor functions.
    /// </summary>
    public static bool KnownObjectLayout;

    public static void Load(nint lib, bool freeThreaded, int minor)
    {
        nint Fn(string name) => LibraryLoader.Symbol(lib, name);
        nint Data(string name) => LibraryLoader.Symbol(lib, name);
        nint Pointer(string name) => *(nint*)LibraryLoader.Symbol(lib, name);

        Py_IncRef = (delegate* unmanaged<nint, void>)Fn("Py_IncRef");
        Py_DecRef = (delegate* unmanaged<nint, void>)Fn("Py_DecRef");
        Py_DecodeLocale = (delegate* unmanaged<byte*, nint*, nint>)Fn("Py_DecodeLocale");
        Py_SetProgramName = (delegate* unmanaged<nint, void>)Fn("Py_SetProgramName");
        Py_InitializeEx = (delegate* unmanaged<int, void>)Fn("Py_InitializeEx");
        Py_IsInitialized = (delegate* unmanaged<int>)Fn("Py_IsInitialized");
        PyEval_SaveThread = (delegate* unmanaged<nint>)Fn("PyEval_SaveThread");
        PyEval_RestoreThread = (delegate* unmanaged<nint, void>)Fn("PyEval_RestoreThread");
        PyGILState_Ensure = (delegate* unmanaged<int>)Fn("PyGILState_Ensure");
        PyGILState_Release = (delegate* unmanaged<int, void>)Fn("PyGILState_Release");
        PyThread_get_thread_ident = (delegate* unmanaged<ulong>)Fn("PyThread_get_thread_ident");
        PyThreadState_SetAsyncExc = (delegate* unmanaged<nuint, nint, int>)Fn("PyThreadState_SetAsyncExc");

        PyImport_ImportModule = (delegate* unmanaged<byte*, nint>)Fn("PyImport_ImportModule");
        PyObject_GetAttrString = (delegate* unmanaged<nint, byte*, nint>)Fn("PyObject_GetAttrString");
        PyObject_GetAttr = (delegate* unmanaged<nint, nint, nint>)Fn("PyObject_GetAttr");
        PyObject_SetAttrString = (delegate* unmanaged<nint, byte*, nint, int>)Fn("PyObject_SetAttrString");
        PyObject_Call = (delegate* unmanaged<nint, nint, nint, nint>)Fn("PyObject_Call");
        PyObject_Vectorcall = (delegate* unmanaged<nint, nint*, nuint, nint, nint>)LibraryLoader.OptionalSymbol(lib, "PyObject_Vectorcall");
        PyObject_CallNoArgs = (delegate* unmanaged<nint, nint>)Fn("PyObject_CallNoArgs");
        PyObject_GetIter = (delegate* unmanaged<nint, nint>)Fn("PyObject_GetIter");
        PyIter_Next = (delegate* unmanaged<nint, nint>)Fn("PyIter_Next");
        PyObject_Str = (delegate* unmanaged<nint, nint>)Fn("PyObject_Str");
        PyObject_Repr = (delegate* unmanaged<nint, nint>)Fn("PyObject_Repr");
        PyObject_IsTrue = (delegate* unmanaged<nint, int>)Fn("PyObject_IsTrue");
        PyCallable_Check = (delegate* unmanaged<nint, int>)Fn("PyCallable_Check");
        PyObject_IsInstance = (delegate* unmanaged<nint, nint, int>)Fn("PyObject_IsInstance");
        PyObject_AsFileDescriptor = (delegate* unmanaged<nint, int>)Fn("PyObject_AsFileDescriptor");

        PyErr_Occurred = (delegate* unmanaged<nint>)Fn("PyErr_Occurred");
        PyErr_Fetch = (delegate* unmanaged<nint*, nint*, nint*, void>)Fn("PyErr_Fetch");
        PyErr_Restore = (delegate* unmanaged<nint, nint, nint, void>)Fn("PyErr_Restore");
        PyErr_NormalizeException = (delegate* unmanaged<nint*, nint*, nint*, void>)Fn("PyErr_NormalizeException");
        PyErr_SetString = (delegate* unmanaged<nint, byte*, void>)Fn("PyErr_SetString");
        PyErr_SetObject = (delegate* unmanaged<nint, nint, void>)Fn("PyErr_SetObject");
        PyErr_Clear = (delegate* unmanaged<void>)Fn("PyErr_Clear");
        PyErr_ExceptionMatches = (delegate* unmanaged<nint, int>)Fn("PyErr_ExceptionMatches");
        PyErr_GivenExceptionMatches = (delegate* unmanaged<nint, nint, int>)Fn("PyErr_GivenExceptionMatches");
        PyException_SetTraceback = (delegate* unmanaged<nint, nint, int>)Fn("PyException_SetTraceback");

        PyUnicode_FromStringAndSize = (delegate* unmanaged<byte*, nint, nint>)Fn("PyUnicode_FromStringAndSize");
        PyUnicode_FromKindAndData = (delegate* unmanaged<int, void*, nint, nint>)Fn("PyUnicode_FromKindAndData");
        PyUnicode_DecodeLatin1 = (delegate* unmanaged<byte*, nint, byte*, nint>)Fn("PyUnicode_DecodeLatin1");
        PyUnicode_AsUTF8AndSize = (delegate* unmanaged<nint, nint*, byte*>)Fn("PyUnicode_AsUTF8AndSize");
        PyUnicode_AsLatin1String = (delegate* unmanaged<nint, nint>)Fn("PyUnicode_AsLatin1String");
        PyUnicode_InternFromString = (delegate* unmanaged<byte*, nint>)Fn("PyUnicode_InternFromString");
        PyUnicode_Compare = (delegate* unmanaged<nint, nint, int>)Fn("PyUnicode_Compare");
        PyVectorcall_Call = (delegate* unmanaged<nint, nint, nint, nint>)Fn("PyVectorcall_Call");

        PyBytes_FromStringAndSize = (delegate* unmanaged<byte*, nint, nint>)Fn("PyBytes_FromStringAndSize");
        PyBytes_AsString = (delegate* unmanaged<nint, byte*>)Fn("PyBytes_AsString");
        PyBytes_Size = (delegate* unmanaged<nint, nint>)Fn("PyBytes_Size");
        _PyBytes_Resize = (delegate* unmanaged<nint*, nint, int>)Fn("_PyBytes_Resize");

        PyDict_New = (delegate* unmanaged<nint>)Fn("PyDict_New");
        PyDict_SetItem = (delegate* unmanaged<nint, nint, nint, int>)Fn("PyDict_SetItem");
        PyDict_SetItemString = (delegate* unmanaged<nint, byte*, nint, int>)Fn("PyDict_SetItemString");
        PyDict_GetItemWithError = (delegate* unmanaged<nint, nint, nint>)Fn("PyDict_GetItemWithError");
        PyDict_Copy = (delegate* unmanaged<nint, nint>)Fn("PyDict_Copy");
        PyDict_SetItemLeaf = (delegate* unmanaged[SuppressGCTransition]<nint, nint, nint, int>)PyDict_SetItem;
        PyDict_GetItemWithErrorLeaf = (delegate* unmanaged[SuppressGCTransition]<nint, nint, nint>)PyDict_GetItemWithError;

        PyTuple_New = (delegate* unmanaged<nint, nint>)Fn("PyTuple_New");
        PyTuple_SetItem = (delegate* unmanaged<nint, nint, nint, int>)Fn("PyTuple_SetItem");
        PyTuple_GetItem = (delegate* unmanaged<nint, nint, nint>)Fn("PyTuple_GetItem");
        PyTuple_Size = (delegate* unmanaged<nint, nint>)Fn("PyTuple_Size");
        PyList_New = (delegate* unmanaged<nint, nint>)Fn("PyList_New");
        PyList_Append = (delegate* unmanaged<nint, nint, int>)Fn("PyList_Append");
        PyList_Insert = (delegate* unmanaged<nint, nint, nint, int>)Fn("PyList_Insert");
        PyList_Size = (delegate* unmanaged<nint, nint>)Fn("PyList_Size");
        PyList_GetItem = (delegate* unmanaged<nint, nint, nint>)Fn("PyList_GetItem");
        PyLong_FromSsize_t = (delegate* unmanaged<nint, nint>)Fn("PyLong_FromSsize_t");
        PyLong_AsSsize_t = (delegate* unmanaged<nint, nint>)Fn("PyLong_AsSsize_t");
        PyObject_Size = (delegate* unmanaged<nint, nint>)Fn("PyObject_Size");

        PyType_FromSpec = (delegate* unmanaged<nint, nint>)Fn("PyType_FromSpec");
        PyType_GenericAlloc = (delegate* unmanaged<nint, nint, nint>)Fn("PyType_GenericAlloc");
        PyType_GetSlot = (delegate* unmanaged<nint, int, nint>)Fn("PyType_GetSlot");

        PySys_GetObject = (delegate* unmanaged<byte*, nint>)Fn("PySys_GetObject");
        PySys_SetObject = (delegate* unmanaged<byte*, nint, int>)Fn("PySys_SetObject");
        PyRun_StringFlags = (delegate* unmanaged<byte*, int, nint, nint, nint, nint>)Fn("PyRun_StringFlags");
        PyEval_GetBuiltins = (delegate* unmanaged<nint>)Fn("PyEval_GetBuiltins");
        PyMem_RawFree = (delegate* unmanaged<nint, void>)Fn("PyMem_RawFree");

        None = Data("_Py_NoneStruct");
        True = Data("_Py_TrueStruct");
        False = Data("_Py_FalseStruct");
        BytesType = Data("PyBytes_Type");
        UnicodeType = Data("PyUnicode_Type");
        ListType = Data("PyList_Type");
        TupleType = Data("PyTuple_Type");
        ListIteratorType = Data("PyListIter_Type");
        TupleIteratorType = Data("PyTupleIter_Type");
        DictType = Data("PyDict_Type");
        ExcTypeError = Pointer("PyExc_TypeError");
        ExcValueError = Pointer("PyExc_ValueError");
        ExcRuntimeError = Pointer("PyExc_RuntimeError");
        ExcOSError = Pointer("PyExc_OSError");
        ExcAssertionError = Pointer("PyExc_AssertionError");
        ExcAttributeError = Pointer("PyExc_AttributeError");
        ExcImportError = Pointer("PyExc_ImportError");
        ExcModuleNotFoundError = Pointer("PyExc_ModuleNotFoundError");
        TypeFieldOffset = freeThreaded ? 24 : 8;
        // A debug build (Py_REF_DEBUG) also counts every reference in a global total, and a
        // free-threaded build splits the count between owner and other threads: both keep the calls.
        var debugBuild = LibraryLoader.OptionalSymbol(lib, "_Py_NegativeRefcount") != 0;
        RefCounts = freeThreaded || debugBuild ? RefCountLayout.Calls
            : minor is 10 or 11 ? RefCountLayout.Plain
            : minor is 12 or 13 ? RefCountLayout.ImmortalAware
            : RefCountLayout.Calls;
        KnownObjectLayout = RefCounts != RefCountLayout.Calls && sizeof(nint) == 8;
    }

    /// <summary>The object's exact type (<c>Py_TYPE</c>), read from the header without a call.</summary>
    public static nint TypeOf(nint obj) => *(nint*)(obj + TypeFieldOffset);
}
