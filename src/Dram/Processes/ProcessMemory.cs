namespace Dram.Processes;

/// <summary>Resident memory of a process, read from /proc.</summary>
public static class ProcessMemory
{
    private static readonly long PageSize = Environment.SystemPageSize;

    /// <summary>RSS in bytes of <paramref name="pid"/> (this process when null); 0 if it is gone.</summary>
    public static long ResidentBytes(int? pid = null)
    {
        try
        {
            var statm = File.ReadAllText(pid is null ? "/proc/self/statm" : $"/proc/{pid}/statm");
            var fields = statm.Split(' ');
            return long.Parse(fields[1]) * PageSize;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException)
        {
            return 0;
        }
    }
}
