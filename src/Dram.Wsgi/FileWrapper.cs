using System.Runtime.InteropServices;
using Dram.Python;
using Dram.Python.Native;
using Microsoft.Win32.SafeHandles;

namespace Dram.Wsgi;

/// <summary>
/// wsgi.file_wrapper(filelike, block_size=8192). For a regular file the body is sent from the file
/// descriptor with the GIL released, starting at the file object's current position (<c>tell()</c>)
/// and stopping at Content-Length: on a plain HTTP/1.1 connection with sendfile(2)
/// (<see cref="IConnectionFileSender"/>), otherwise (TLS, HTTP/2) by positional reads straight into
/// Kestrel's output buffers.
/// Anything else (BytesIO, a socket) is iterated with <c>read(block_size)</c> like any iterable.
/// </summary>
internal static unsafe class FileWrapper
{
    private const int SendSlice = 64 * 1024;
    private static NativeType _wrapperType = null!;
    private static nint _fstat;
    private static nint _isRegular;

    public static NativeType CreateType()
    {
        var os = Py.Import("os");
        _fstat = Py.GetAttr(os, "fstat");
        Py.DecRef(os);
        var stat = Py.Import("stat");
        _isRegular = Py.GetAttr(stat, "S_ISREG");
        Py.DecRef(stat);
        _wrapperType = NativeType.Create("dram.FileWrapper", "wsgi.file_wrapper result: iterates filelike.read(block_size)",
            [new("close", (nint)(delegate* unmanaged<nint, nint, nint>)&Close, NativeType.MethNoArgs, "close(): closes the file")],
            [
                (NativeType.SlotIter, (nint)(delegate* unmanaged<nint, nint>)&Iter),
                (NativeType.SlotIterNext, (nint)(delegate* unmanaged<nint, nint>)&IterNext),
            ], ownsWord0: true);
        return _wrapperType;
    }

    /// <summary>The wsgi.file_wrapper callable itself (new reference).</summary>
    public static nint CreateFactory()
    {
        var factoryType = NativeType.Create("dram.FileWrapperFactory", "wsgi.file_wrapper(filelike, block_size=8192)",
            [], [(NativeType.SlotCall, (nint)(delegate* unmanaged<nint, nint, nint, nint>)&Wrap)]);
        return factoryType.New(0, 0);
    }

    [UnmanagedCallersOnly]
    private static nint Wrap(nint self, nint args, nint kwargs)
    {
        var argc = Py.TupleSize(args);
        if (argc < 1 || argc > 2 || (kwargs != 0 && CApi.PyObject_Size(kwargs) != 0))
        {
            Py.SetError(CApi.ExcTypeError, "wsgi.file_wrapper(filelike, block_size=8192) takes one or two positional arguments");
            return 0;
        }
        long blockSize = 8192;
        if (argc == 2)
        {
            blockSize = CApi.PyLong_AsSsize_t(Py.TupleItem(args, 1));
            if (blockSize <= 0)
            {
                if (CApi.PyErr_Occurred() == 0)
                {
                    Py.SetError(CApi.ExcValueError, "wsgi.file_wrapper(): block_size must be positive");
                }
                return 0;
            }
        }
        var filelike = Py.TupleItem(args, 0);
        Py.IncRef(filelike);
        try
        {
            return _wrapperType.New(filelike, blockSize);
        }
        catch (PythonException)
        {
            Py.DecRef(filelike);
            return 0;
        }
    }

    [UnmanagedCallersOnly]
    private static nint Iter(nint self) => Py.NewRef(self);

    [UnmanagedCallersOnly]
    private static nint IterNext(nint self)
    {
        var filelike = NativeType.Word0(self);
        if (filelike == 0)
        {
            return 0;
        }
        var read = CApi.PyObject_GetAttrString(filelike, Py.U8("read"));
        if (read == 0)
        {
            return 0;
        }
        var size = CApi.PyLong_FromSsize_t((nint)NativeType.Word1(self));
        nint data;
        try
        {
            data = Py.Call(read, size);
        }
        catch (PythonException e)
        {
            Py.DecRef(size);
            Py.DecRef(read);
            Py.SetError(CApi.ExcOSError, $"wsgi.file_wrapper: read() failed: {e.TypeName}: {e.Message}");
            return 0;
        }
        Py.DecRef(size);
        Py.DecRef(read);
        var empty = CApi.TypeOf(data) == CApi.BytesType ? CApi.PyBytes_Size(data) == 0 : CApi.PyObject_IsTrue(data) == 0;
        if (empty)
        {
            Py.DecRef(data);
            return 0;
        }
        return data;
    }

    [UnmanagedCallersOnly]
    private static nint Close(nint self, nint unused)
    {
        var filelike = NativeType.Word0(self);
        if (filelike == 0)
        {
            return Py.NewRef(CApi.None);
        }
        var close = CApi.PyObject_GetAttrString(filelike, Py.U8("close"));
        if (close == 0)
        {
            CApi.PyErr_Clear();
            return Py.NewRef(CApi.None);
        }
        var result = CApi.PyObject_CallNoArgs(close);
        Py.DecRef(close);
        return result;
    }

    /// <summary>
    /// Sends a wrapped regular file from its descriptor. False when the object is not a regular
    /// file (the caller then iterates it); true when the response was handled, even if it failed.
    /// </summary>
    public static bool TrySend(WsgiRequest request, nint wrapper)
    {
        var filelike = NativeType.Word0(wrapper);
        if (filelike == 0 || !request.Started)
        {
            return false;
        }
        if (!TryDescribe(filelike, out var fd, out var position, out var size))
        {
            return false;
        }
        var count = Math.Max(0, size - position);
        if (request.ContentLength >= 0)
        {
            count = Math.Min(count, request.ContentLength);
        }
        else if (!request.HeadersSent)
        {
            request.ContentLength = count;
        }
        request.EnsureHeadersSent();
        if (!request.BodyAllowed || count == 0)
        {
            return true;
        }
        using var handle = new SafeFileHandle(fd, ownsHandle: false);
        using (GilReleased.Scope())
        {
            if (request.FileSender is { } sender && request.SendInPlace(sender, handle, position, count))
            {
                return true;
            }
            var offset = position;
            var end = position + count;
            while (offset < end)
            {
                int read;
                try
                {
                    read = request.WriteFromFile(handle, offset, (int)Math.Min(SendSlice, end - offset));
                }
                catch (IOException)
                {
                    break;
                }
                if (read <= 0)
                {
                    break;
                }
                offset += read;
                if (!request.FlushWithoutGil())
                {
                    break;
                }
            }
        }
        return true;
    }

    private static bool TryDescribe(nint filelike, out nint fd, out long position, out long size)
    {
        fd = -1;
        position = 0;
        size = 0;
        var descriptor = CApi.PyObject_AsFileDescriptor(filelike);
        if (descriptor < 0)
        {
            CApi.PyErr_Clear();
            return false;
        }
        try
        {
            var fdObject = Py.NewInt(descriptor);
            var stat = Py.Call(_fstat, fdObject);
            Py.DecRef(fdObject);
            var mode = Py.GetAttr(stat, "st_mode");
            var isRegular = Py.Call(_isRegular, mode);
            var regular = CApi.PyObject_IsTrue(isRegular) == 1;
            Py.DecRef(isRegular);
            Py.DecRef(mode);
            var sizeObject = Py.GetAttr(stat, "st_size");
            size = CApi.PyLong_AsSsize_t(sizeObject);
            Py.DecRef(sizeObject);
            Py.DecRef(stat);
            if (!regular)
            {
                return false;
            }
            var tell = CApi.PyObject_GetAttrString(filelike, Py.U8("tell"));
            if (tell != 0)
            {
                var at = Py.Call(tell);
                Py.DecRef(tell);
                position = CApi.PyLong_AsSsize_t(at);
                Py.DecRef(at);
            }
            else
            {
                CApi.PyErr_Clear();
            }
            fd = descriptor;
            return true;
        }
        catch (PythonException)
        {
            return false;
        }
    }
}
