using System.Globalization;
using System.Runtime.InteropServices;
using Dram.Processes;

namespace Dram.Tests.Hostile;

/// <summary>RLIMIT_NOFILE of this test process (raised for tests that hold thousands of sockets) and of others (from /proc).</summary>
public static class OpenFilesLimit
{
    /// <summary>Raises this process's soft limit to its hard limit; returns the soft limit now in force.</summary>
    public static ulong RaiseOwnToHard() =>
        DescriptorLimit.RaiseToHard()?.Soft
            ?? throw new InvalidOperationException($"getrlimit failed: errno {Marshal.GetLastPInvokeError()}");

    /// <summary>The soft and hard open-files limits of <paramref name="pid"/> ("Max open files" in /proc/PID/limits).</summary>
    public static (ulong Soft, ulong Hard) Of(int pid)
    {
        var line = File.ReadLines($"/proc/{pid}/limits").First(l => l.StartsWith("Max open files", StringComparison.Ordinal));
        var fields = line["Max open files".Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return (Parse(fields[0]), Parse(fields[1]));
    }

    private static ulong Parse(string field) => field == "unlimited" ? ulong.MaxValue : ulong.Parse(field, CultureInfo.InvariantCulture);
}
