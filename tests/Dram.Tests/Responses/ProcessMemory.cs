namespace Dram.Tests.Responses;

/// <summary>Resident memory of a process, from /proc (Linux).</summary>
public static class ProcessMemory
{
    public static long RssBytes(int pid)
    {
        foreach (var line in File.ReadLines($"/proc/{pid}/status"))
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
            {
                return long.Parse(line["VmRSS:".Length..].Trim().Split(' ')[0]) * 1024;
            }
        }
        throw new InvalidOperationException($"no VmRSS for process {pid}");
    }
}
