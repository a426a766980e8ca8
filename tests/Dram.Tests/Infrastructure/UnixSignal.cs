using System.Runtime.InteropServices;

namespace Dram.Tests.Infrastructure;

/// <summary>kill(2) for processes a test started itself (dram under systemd-socket-activate, nginx).</summary>
public static partial class UnixSignal
{
    public const int Hup = 1;
    public const int Interrupt = 2;
    public const int Quit = 3;
    public const int Term = 15;
    public const int Continue = 18;
    public const int Stop = 19;

    public static void Send(int pid, int signal)
    {
        if (Kill(pid, signal) != 0)
        {
            throw new InvalidOperationException($"kill({pid}, {signal}) failed: errno {Marshal.GetLastPInvokeError()}");
        }
    }

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);
}
