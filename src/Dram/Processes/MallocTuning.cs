using System.Runtime.InteropServices;

namespace Dram.Processes;

/// <summary>
/// glibc malloc thresholds for a worker. Python runs on threads other than the process's first, so
/// its larger blocks (a request body, a rendered page) come from a per-thread arena. glibc starts a
/// process with blocks from 128 KiB up mapped on their own and more than 128 KiB free at an arena's
/// top given back to the kernel, and raises both only as the program frees mapped blocks; how far a
/// worker has got depends on what its app happened to allocate. Where it has not got far, a body of
/// tens of KiB freed after every request comes back as fresh pages that fault in on the next
/// request's first write. Measured on the bench's Django /upload (64 KiB bodies, one core): 12-15
/// page faults per request in seven runs of eleven without these thresholds (6.5% of the worker's CPU
/// in a profile of one, about 20 us a request), 0.13-0.21 in every run with them; peak RSS the same
/// on /upload, /plain and /json. Blocks up to 4 MiB come
/// from the arena and up to 8 MiB of free space stays with each arena (so at most that much per
/// Python thread is kept from the kernel); larger blocks are mapped and unmapped as before. Setting
/// them turns glibc's adaptation off. A GLIBC_TUNABLES variable naming malloc settings is the
/// operator's choice and is left to apply.
/// </summary>
internal static partial class MallocTuning
{
    private const int TrimThreshold = -1;
    private const int MmapThreshold = -3;

    public const int ArenaBlockLimit = 4 * 1024 * 1024;
    public const int RetainedFreeSpace = 8 * 1024 * 1024;

    [LibraryImport("libc", EntryPoint = "mallopt")]
    private static partial int SetOption(int option, int value);

    /// <summary>Applies the thresholds; false when they were left alone (tunables given, or not glibc).</summary>
    public static bool Apply()
    {
        if (!OperatingSystem.IsLinux()
            || Environment.GetEnvironmentVariable("GLIBC_TUNABLES") is { } tunables && tunables.Contains("glibc.malloc.", StringComparison.Ordinal))
        {
            return false;
        }
        try
        {
            // mallopt returns 1 on success; musl's is a stub that returns 0.
            return SetOption(MmapThreshold, ArenaBlockLimit) == 1 && SetOption(TrimThreshold, RetainedFreeSpace) == 1;
        }
        catch (EntryPointNotFoundException)
        {
            return false;
        }
    }
}
