using System.Globalization;

namespace Dram.Tests.Infrastructure;

/// <summary>What Linux reports about a running process in /proc.</summary>
public static class ProcessStatus
{
    /// <summary>Resident set size in bytes (VmRSS of /proc/PID/status).</summary>
    public static long ResidentBytes(int pid)
    {
        foreach (var line in File.ReadLines($"/proc/{pid}/status"))
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
            {
                var kilobytes = line["VmRSS:".Length..].Trim().Split(' ')[0];
                return long.Parse(kilobytes, CultureInfo.InvariantCulture) * 1024;
            }
        }
        throw new InvalidOperationException($"/proc/{pid}/status has no VmRSS line");
    }

    /// <summary>How many file descriptors the process has open.</summary>
    public static int OpenDescriptors(int pid) => Directory.GetFileSystemEntries($"/proc/{pid}/fd").Length;

    /// <summary>How many threads the process has.</summary>
    public static int Threads(int pid) => Directory.GetDirectories($"/proc/{pid}/task").Length;
}
