using System.Runtime.InteropServices;

namespace Dram.Tests.Infrastructure;

/// <summary>Linux signal numbers, and kill(2) for any process a test started or found (dram, its workers, nginx, strace).</summary>
public static partial class UnixSignal
{
    public const int Hup = 1;
    public const int Interrupt = 2;
    public const int Quit = 3;
    public const int Kill = 9;
    public const int Usr1 = 10;
    public const int Term = 15;
    public const int Continue = 18;
    public const int Stop = 19;
    public const int Ttin = 21;
    public const int Ttou = 22;

    public static void Send(int pid, int signal)
    {
        if (LibcKill(pid, signal) != 0)
        {
            throw new InvalidOperationException($"kill({pid}, {signal}) failed: errno {Marshal.GetLastPInvokeError()}");
        }
    }

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int LibcKill(int pid, int signal);
}
