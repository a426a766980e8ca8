namespace Dram.Python.Native;

/// <summary>
/// Where a CPython object keeps its reference count, so that the C API's <c>Py_INCREF</c> and
/// <c>Py_DECREF</c> can be done in place: a call into libpython from C# is a transition into native
/// code (a thread-state change and, in the worker's shared library, a TLS lookup), and a request
/// changes dozens of counts. Only a decrement that may free the object still calls <c>Py_DecRef</c>.
/// </summary>
public enum RefCountLayout
{
    /// <summary>Always call <c>Py_IncRef</c>/<c>Py_DecRef</c> (free-threaded and debug builds, unknown versions).</summary>
    Calls,

    /// <summary>3.10 and 3.11: <c>ob_refcnt</c> is the first machine word of the object.</summary>
    Plain,

    /// <summary>
    /// 3.12 and 3.13 (64-bit): the same word, but an object whose low 32 bits read negative is
    /// immortal and its count never changes; an increment saturates in the low 32 bits.
    /// </summary>
    ImmortalAware,
}
