using System.Runtime.InteropServices;

namespace Dram.Wsgi.Logs;

/// <summary>
/// Where a log goes: stdout or stderr (<c>-</c>), or a file opened with <c>O_APPEND</c>. The master
/// and every worker open the same file on their own and each write is whole lines in one
/// <c>write()</c>, so the kernel appends every process's lines at the end without one cutting
/// into another. .NET's FileStream cannot be used: it writes at the position it tracks itself,
/// so two processes would overwrite each other's lines.
/// </summary>
public sealed partial class LogFile : IDisposable
{
    private const int StdoutDescriptor = 1;
    private const int StderrDescriptor = 2;
    private const int OpenWriteOnly = 0x1;
    private const int OpenCreate = 0x40;
    private const int OpenAppend = 0x400;
    private const int OpenCloseOnExec = 0x80000;
    private const int Interrupted = 4;

    /// <summary>rw-r--r--: readable by log shippers running as another user, writable by the server only.</summary>
    private const int CreateMode = 0x1A4;

    private readonly Lock _lock = new();
    private int _descriptor;

    private LogFile(int descriptor, string? path)
    {
        _descriptor = descriptor;
        Path = path;
    }

    /// <summary>The file's full path, or null for stdout/stderr.</summary>
    public string? Path { get; }

    /// <summary>How messages name it: the path, or stdout/stderr.</summary>
    public string Display => Path ?? (_descriptor == StdoutDescriptor ? "stdout" : "stderr");

    /// <summary>The descriptor written to now (for redirecting the process's stdout and stderr into it).</summary>
    public int Descriptor
    {
        get
        {
            lock (_lock)
            {
                return _descriptor;
            }
        }
    }

    public static LogFile StandardOutput() => new(StdoutDescriptor, null);

    public static LogFile StandardError() => new(StderrDescriptor, null);

    /// <summary>
    /// "-" for <paramref name="dash"/>, else the file at <paramref name="path"/> opened for
    /// appending (created when missing). Throws <see cref="IOException"/> saying why it cannot be.
    /// </summary>
    public static LogFile Open(string path, Func<LogFile> dash)
    {
        if (path == "-")
        {
            return dash();
        }
        var full = System.IO.Path.GetFullPath(path);
        return new LogFile(OpenDescriptor(full), full);
    }

    /// <summary>Checks that <paramref name="path"/> can be opened for appending, creating it as the server would; null when it can, else why not.</summary>
    public static string? Problem(string path)
    {
        if (path == "-")
        {
            return null;
        }
        try
        {
            Close(OpenDescriptor(System.IO.Path.GetFullPath(path)));
            return null;
        }
        catch (IOException e)
        {
            return e.Message;
        }
    }

    /// <summary>Writes whole lines with one <c>write()</c> (retried only for what a signal interrupted). Throws <see cref="IOException"/> when the write fails (disk full, a closed pipe).</summary>
    public unsafe void Write(ReadOnlySpan<byte> bytes)
    {
        lock (_lock)
        {
            fixed (byte* start = bytes)
            {
                var done = 0;
                while (done < bytes.Length)
                {
                    var written = WriteNative(_descriptor, start + done, bytes.Length - done);
                    if (written < 0)
                    {
                        var errno = Marshal.GetLastPInvokeError();
                        if (errno == Interrupted)
                        {
                            continue;
                        }
                        throw new IOException($"writing to {Display} failed: {Marshal.GetPInvokeErrorMessage(errno)}");
                    }
                    done += (int)written;
                }
            }
        }
    }

    /// <summary>
    /// Opens the path again (after logrotate renamed the file) and writes there from now on. The
    /// old descriptor is closed only once the new one is in place, so no write finds none; when
    /// the path cannot be opened the old file is kept and the reason thrown.
    /// </summary>
    public void Reopen()
    {
        if (Path is null)
        {
            return;
        }
        var fresh = OpenDescriptor(Path);
        int old;
        lock (_lock)
        {
            old = _descriptor;
            _descriptor = fresh;
        }
        Close(old);
    }

    /// <summary>Makes <paramref name="target"/> (1 or 2) another name for this file, so what is written there lands in it.</summary>
    public void RedirectOnto(int target)
    {
        lock (_lock)
        {
            if (Dup2(_descriptor, target) < 0)
            {
                throw new IOException($"redirecting descriptor {target} to {Display} failed: {Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError())}");
            }
        }
    }

    public void Dispose()
    {
        if (Path is null)
        {
            return;
        }
        lock (_lock)
        {
            Close(_descriptor);
            _descriptor = -1;
        }
    }

    private static int OpenDescriptor(string path)
    {
        var descriptor = OpenNative(path, OpenWriteOnly | OpenCreate | OpenAppend | OpenCloseOnExec, CreateMode);
        if (descriptor < 0)
        {
            throw new IOException(Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError()));
        }
        return descriptor;
    }

    private static void Close(int descriptor)
    {
        if (descriptor > StderrDescriptor)
        {
            CloseNative(descriptor);
        }
    }

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int OpenNative(string path, int flags, int mode);

    [LibraryImport("libc", EntryPoint = "write", SetLastError = true)]
    private static unsafe partial nint WriteNative(int descriptor, byte* buffer, nint count);

    [LibraryImport("libc", EntryPoint = "close")]
    private static partial int CloseNative(int descriptor);

    [LibraryImport("libc", EntryPoint = "dup2", SetLastError = true)]
    private static partial int Dup2(int from, int to);
}
