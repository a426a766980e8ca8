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

    /// <summary>
    /// Each thread's name and Linux scheduling policy (0 SCHED_OTHER, 3 SCHED_BATCH), from
    /// /proc/PID/task/TID/stat. The name is read from comm: in stat it may contain spaces.
    /// </summary>
    public static IReadOnlyList<(string Name, int Policy)> ThreadPolicies(int pid)
    {
        var threads = new List<(string, int)>();
        foreach (var task in Directory.GetDirectories($"/proc/{pid}/task"))
        {
            try
            {
                var name = File.ReadAllText(Path.Combine(task, "comm")).TrimEnd('\n');
                var stat = File.ReadAllText(Path.Combine(task, "stat"));
                // Fields after the parenthesised name start at field 3 (state); policy is field 41.
                var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                threads.Add((name, int.Parse(fields[41 - 3], CultureInfo.InvariantCulture)));
            }
            catch (IOException)
            {
                // The thread ended between listing and reading.
            }
        }
        return threads;
    }
}
