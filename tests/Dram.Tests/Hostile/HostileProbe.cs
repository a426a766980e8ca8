using System.Globalization;
using System.Text.Json;
using Dram.Tests.Infrastructure;

namespace Dram.Tests.Hostile;

/// <summary>Reads the counters of tests/apps/hostile.py, each over a fresh connection.</summary>
public static class HostileProbe
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    public static string NewTag() => Guid.NewGuid().ToString("N");

    /// <summary>How many requests have reached the app so far.</summary>
    public static Task<int> CallsAsync(int port) => NumberAsync(port, "/calls");

    /// <summary>How many close() calls the iterables and files tagged <paramref name="tag"/> saw.</summary>
    public static Task<int> ClosedAsync(int port, string tag) => NumberAsync(port, "/closed?tag=" + tag);

    /// <summary>How many requests tagged <paramref name="tag"/> have started running in the app.</summary>
    public static Task<int> StartedAsync(int port, string tag) => NumberAsync(port, "/started?tag=" + tag);

    /// <summary>How many chunks the server has pulled from the stream tagged <paramref name="tag"/>.</summary>
    public static Task<int> PulledAsync(int port, string tag) => NumberAsync(port, "/pulled?tag=" + tag);

    /// <summary>Polls <paramref name="read"/> until it returns <paramref name="expected"/> or the timeout passes; the last value.</summary>
    public static async Task<int> WaitForAsync(Func<Task<int>> read, int expected, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(15));
        while (true)
        {
            var value = await read();
            if (value == expected || DateTime.UtcNow > deadline)
            {
                return value;
            }
            await Task.Delay(50);
        }
    }

    /// <summary>The interpreter's state after a full collection, and the process's, for leak checks.</summary>
    public static async Task<WorkerState> StateAsync(int port, int workerPid)
    {
        var response = await RawHttpConnection.ExchangeAsync(port, "GET /stats HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n", timeout: Timeout);
        var stats = JsonDocument.Parse(response.Body).RootElement;
        return new WorkerState(
            stats.GetProperty("objects").GetInt32(),
            stats.GetProperty("threads").GetInt32(),
            ProcessStatus.OpenDescriptors(workerPid),
            ProcessStatus.Threads(workerPid),
            ProcessStatus.ResidentBytes(workerPid));
    }

    private static async Task<int> NumberAsync(int port, string path)
    {
        var response = await RawHttpConnection.ExchangeAsync(port, $"GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n", timeout: Timeout);
        Assert.Equal(200, response.StatusCode);
        return int.Parse(response.BodyText, CultureInfo.InvariantCulture);
    }
}
