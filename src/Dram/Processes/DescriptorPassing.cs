using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace Dram.Processes;

/// <summary>
/// Sends and receives open file descriptors over a unix stream socket (SCM_RIGHTS), so the master
/// can hand its listening sockets to a worker that has already loaded the app. Linux x86-64/arm64
/// layouts of <c>msghdr</c> and <c>cmsghdr</c>.
/// </summary>
internal static unsafe partial class DescriptorPassing
{
    private const int SolSocket = 1;
    private const int ScmRights = 1;
    private const int MsgCmsgCloexec = 0x40000000;

    [StructLayout(LayoutKind.Sequential)]
    private struct IoVec
    {
        public void* Base;
        public nuint Length;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct MsgHdr
    {
        public void* Name;
        public uint NameLength;
        public IoVec* Iov;
        public nuint IovLength;
        public void* Control;
        public nuint ControlLength;
        public int Flags;
    }

    [LibraryImport("libc", EntryPoint = "sendmsg", SetLastError = true)]
    private static partial nint SendMsg(int socket, MsgHdr* message, int flags);

    [LibraryImport("libc", EntryPoint = "recvmsg", SetLastError = true)]
    private static partial nint RecvMsg(int socket, MsgHdr* message, int flags);

    private static int Align(int length) => (length + 7) & ~7;

    /// <summary>Sends <paramref name="payload"/> with <paramref name="descriptors"/> attached.</summary>
    public static void Send(Socket socket, ReadOnlySpan<byte> payload, ReadOnlySpan<int> descriptors)
    {
        var dataLength = descriptors.Length * sizeof(int);
        var controlLength = 16 + Align(dataLength);
        var control = stackalloc byte[controlLength];
        new Span<byte>(control, controlLength).Clear();
        *(nuint*)control = (nuint)(16 + dataLength);
        *(int*)(control + 8) = SolSocket;
        *(int*)(control + 12) = ScmRights;
        descriptors.CopyTo(new Span<int>(control + 16, descriptors.Length));
        fixed (byte* data = payload)
        {
            var iov = new IoVec { Base = data, Length = (nuint)payload.Length };
            var message = new MsgHdr { Iov = &iov, IovLength = 1, Control = control, ControlLength = (nuint)controlLength };
            if (SendMsg((int)socket.Handle, &message, 0) < 0)
            {
                throw new SocketException(Marshal.GetLastPInvokeError());
            }
        }
    }

    /// <summary>Receives one message and the descriptors attached to it (close-on-exec set).</summary>
    public static (byte[] Payload, int[] Descriptors) Receive(Socket socket, int maxPayload = 4096, int maxDescriptors = 64)
    {
        var buffer = new byte[maxPayload];
        var controlLength = 16 + Align(maxDescriptors * sizeof(int));
        var control = stackalloc byte[controlLength];
        fixed (byte* data = buffer)
        {
            var iov = new IoVec { Base = data, Length = (nuint)buffer.Length };
            var message = new MsgHdr { Iov = &iov, IovLength = 1, Control = control, ControlLength = (nuint)controlLength };
            var received = RecvMsg((int)socket.Handle, &message, MsgCmsgCloexec);
            if (received < 0)
            {
                throw new SocketException(Marshal.GetLastPInvokeError());
            }
            var descriptors = new List<int>();
            if (message.ControlLength >= 16)
            {
                var length = (int)*(nuint*)control;
                if (*(int*)(control + 8) == SolSocket && *(int*)(control + 12) == ScmRights)
                {
                    var count = (length - 16) / sizeof(int);
                    for (var i = 0; i < count; i++)
                    {
                        descriptors.Add(*(int*)(control + 16 + i * sizeof(int)));
                    }
                }
            }
            return (buffer.AsSpan(0, (int)received).ToArray(), descriptors.ToArray());
        }
    }
}
