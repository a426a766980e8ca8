using System.Globalization;
using System.Text.RegularExpressions;

namespace Dram.Tests.Infrastructure;

/// <summary>
/// Asks the lifecycle test app which worker answers, each time over a new connection (so the
/// kernel hands it to whichever worker accepts next, unlike keep-alive load that stays on the
/// workers it first reached).
/// </summary>
public static partial class WorkerProbe
{
    /// <summary>One GET over a fresh connection; the answering worker's pid and app version.</summary>
    public static async Task<(int Status, int Pid, string Version)> AskAsync(int port, string path = "/", TimeSpan? timeout = null)
    {
        var response = await RawHttpConnection.ExchangeAsync(port,
            $"GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n", timeout: timeout);
        var match = AnswerPattern().Match(response.BodyText);
        return match.Success
            ? (response.StatusCode, int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture), match.Groups[2].Value)
            : (response.StatusCode, 0, "");
    }

    /// <summary>
    /// Asks over fresh connections until every pid in <paramref name="pids"/> has answered; returns
    /// false on timeout. Each probe connection stays open until the end: workers take new
    /// connections in turn by how many they hold, so one already holding a test's keep-alive load
    /// takes new connections only once the others hold about as many.
    /// </summary>
    public static async Task<bool> WaitUntilAnsweringAsync(int port, IEnumerable<int> pids, TimeSpan timeout)
    {
        var missing = pids.ToHashSet();
        var deadline = DateTime.UtcNow + timeout;
        var held = new Queue<RawHttpConnection>();
        try
        {
            while (missing.Count > 0 && DateTime.UtcNow < deadline)
            {
                try
                {
                    var connection = await RawHttpConnection.OpenAsync(port);
                    held.Enqueue(connection);
                    if (held.Count > MaxHeld)
                    {
                        held.Dequeue().Dispose();
                    }
                    await connection.SendAsync("GET / HTTP/1.1\r\nHost: localhost\r\n\r\n");
                    var response = await connection.ReadResponseAsync(timeout: TimeSpan.FromSeconds(10));
                    var match = AnswerPattern().Match(response.BodyText);
                    if (response.StatusCode == 200 && match.Success)
                    {
                        missing.Remove(int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture));
                    }
                }
                catch (Exception e) when (e is IOException or System.Net.Sockets.SocketException or OperationCanceledException)
                {
                }
                if (missing.Count > 0)
                {
                    await Task.Delay(10);
                }
            }
        }
        finally
        {
            foreach (var connection in held)
            {
                connection.Dispose();
            }
        }
        return missing.Count == 0;
    }

    // More than any test's keep-alive load holds on one worker.
    private const int MaxHeld = 256;

    /// <summary>Waits until the master has <paramref name="count"/> workers and every one of them answers.</summary>
    public static async Task<IReadOnlyList<int>> WaitForWorkersAsync(DramProcess dram, int count, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        var workers = await ProcessTable.WaitForChildCountAsync(dram.Pid, count, timeout);
        if (workers.Count != count)
        {
            throw new TimeoutException($"expected {count} workers, the master has {workers.Count}:\n{dram.Output}");
        }
        if (!await WaitUntilAnsweringAsync(dram.Port, workers, deadline - DateTime.UtcNow))
        {
            throw new TimeoutException($"workers {string.Join(", ", workers)} did not all answer:\n{dram.Output}");
        }
        return workers;
    }

    [GeneratedRegex(@"^pid=(\d+) version=(\S+)$")]
    private static partial Regex AnswerPattern();
}
