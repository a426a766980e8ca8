using System.Runtime.InteropServices;

namespace Dram.Hosting;

/// <summary>What kind of socket a listening descriptor the master passed is.</summary>
internal static partial class ListeningDescriptor
{
    private const int SolSocket = 1;
    private const int SoDomain = 39;
    private const int AfInet = 2;
    private const int AfInet6 = 10;

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

    [LibraryImport("libc", EntryPoint = "getsockopt", SetLastError = true)]
    private static unsafe partial int GetSockOpt(int socket, int level, int option, int* value, uint* length);
}
