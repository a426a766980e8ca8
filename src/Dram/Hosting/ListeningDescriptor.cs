using System.Runtime.InteropServices;

namespace Dram.Hosting;

/// <summary>What kind of socket a listening descriptor the master passed is, and whether connections wait on it.</summary>
internal static partial class ListeningDescriptor
{
    private const int SolSocket = 1;
    private const int SoDomain = 39;
    private const int AfInet = 2;
    private const int AfInet6 = 10;
    private const short PollIn = 1;

    /// <summary>True for TCP (IPv4 or IPv6) sockets, false for unix sockets: only TCP binds serve TLS.</summary>
    public static unsafe bool IsTcp(int descriptor)
    {
        int domain;
        var length = (uint)sizeof(int);
        if (GetSockOpt(descriptor, SolSocket, SoDomain, &domain, &length) != 0)
        {
            throw new InvalidOperationException($"descriptor {descriptor} is not a socket (getsockopt failed: {Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError())})");
        }
        return domain is AfInet or AfInet6;
    }

    /// <summary>A connection waits in the accept queue of listening socket <paramref name="descriptor"/>.</summary>
    public static unsafe bool HasPendingConnection(int descriptor)
    {
        var poll = new PollDescriptor { Descriptor = descriptor, Events = PollIn };
        return Poll(&poll, 1, 0) == 1 && (poll.Returned & PollIn) != 0;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct PollDescriptor
    {
        public int Descriptor;
        public short Events;
        public short Returned;
    }

    [LibraryImport("libc", EntryPoint = "poll")]
    private static unsafe partial int Poll(PollDescriptor* descriptors, nuint count, int timeoutMilliseconds);

    [LibraryImport("libc", EntryPoint = "getsockopt", SetLastError = true)]
    private static unsafe partial int GetSockOpt(int socket, int level, int option, int* value, uint* length);
}
