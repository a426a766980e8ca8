using System.Runtime.InteropServices;

namespace Dram.Processes;

/// <summary>
/// The open-files limit (RLIMIT_NOFILE) caps the connections a worker can hold: every connection
/// is a descriptor. Shells and service managers often start processes with a soft limit of 1024
/// under a much higher hard limit, so Dram raises the soft limit to the hard one at start, as nginx
/// (worker_rlimit_nofile) and most servers do; workers inherit it.
/// </summary>
internal static partial class DescriptorLimit
{
    /// <summary>A hard limit below this is logged: it caps a worker well below what it can serve.</summary>
    public const ulong Comfortable = 10_000;

    private const int ResourceOpenFiles = 7;

    [StructLayout(LayoutKind.Sequential)]
    private struct ResourceLimit
    {
        public ulong Soft;
        public ulong Hard;
    }

    [LibraryImport("libc", EntryPoint = "getrlimit", SetLastError = true)]
    private static partial int GetLimit(int resource, out ResourceLimit limit);

    [LibraryImport("libc", EntryPoint = "setrlimit", SetLastError = true)]
    private static partial int SetLimit(int resource, in ResourceLimit limit);

    /// <summary>The soft limit this process runs under, or null if unreadable.</summary>
    public static ulong? Current() => GetLimit(ResourceOpenFiles, out var limit) == 0 ? limit.Soft : null;

    /// <summary>The descriptors this process has open, or null when it cannot tell (it needs one more to look).</summary>
    public static int? OpenCount()
    {
        try
        {
            var count = 0;
            foreach (var _ in Directory.EnumerateFileSystemEntries("/proc/self/fd"))
            {
                count++;
            }
            // Less the one the listing itself held open.
            return count - 1;
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>Raises the soft limit to the hard limit; returns both as they are afterwards (null if unreadable).</summary>
    public static (ulong Soft, ulong Hard)? RaiseToHard()
    {
        if (GetLimit(ResourceOpenFiles, out var limit) != 0)
        {
            return null;
        }
        if (limit.Soft < limit.Hard)
        {
            var raised = limit with { Soft = limit.Hard };
            if (SetLimit(ResourceOpenFiles, raised) == 0)
            {
                limit = raised;
            }
        }
        return (limit.Soft, limit.Hard);
    }
}
