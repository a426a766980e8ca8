using System.Globalization;

namespace Dram.Tests.Infrastructure;

/// <summary>
/// Samples a process's resident set size (VmRSS in /proc/PID/status) in the background and keeps
/// the highest value seen, to show that a server streams data instead of holding it.
/// </summary>
public sealed class ResidentMemory : IAsyncDisposable
{
    private readonly int _pid;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _sampling;
    private long _peak;
    private int _samples;

    private ResidentMemory(int pid)
    {
        _pid = pid;
        _sampling = Task.Run(SampleAsync);
    }

    /// <summary>Starts sampling every 50 ms until disposed.</summary>
    public static ResidentMemory Watch(int pid) => new(pid);

    /// <summary>The highest VmRSS seen so far, in bytes.</summary>
    public long PeakBytes => Interlocked.Read(ref _peak);

    public int Samples => Volatile.Read(ref _samples);

    /// <summary>VmRSS of the process now, in bytes, or null if it has exited.</summary>
    public static long? Read(int pid)
    {
        string[] lines;
        try
        {
            lines = File.ReadAllLines($"/proc/{pid}/status");
        }
        catch (IOException)
        {
            return null;
        }
        var line = lines.FirstOrDefault(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
        if (line is null)
        {
            return null;
        }
        var kilobytes = line["VmRSS:".Length..].Trim().Split(' ')[0];
        return long.Parse(kilobytes, CultureInfo.InvariantCulture) * 1024;
    }

    private async Task SampleAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            if (Read(_pid) is { } rss)
            {
                if (rss > Interlocked.Read(ref _peak))
                {
                    Interlocked.Exchange(ref _peak, rss);
                }
                Interlocked.Increment(ref _samples);
            }
            try
            {
                await Task.Delay(50, _stop.Token);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _sampling;
        _stop.Dispose();
    }
}
