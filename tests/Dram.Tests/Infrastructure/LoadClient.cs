using System.Collections.Concurrent;
using System.Globalization;
using System.Text.RegularExpressions;

namespace Dram.Tests.Infrastructure;

/// <summary>
/// Keeps a server busy: <c>concurrency</c> loops each send GET requests one after another over
/// HttpClient keep-alive connections until <see cref="StopAsync"/>. Every request's outcome is
/// recorded, failures included; stopping lets the requests in flight finish instead of cancelling
/// them, so a stop never shows up as a failure. The loops start one after another (each once the
/// previous one has had its first answer), so their connections are accepted one at a time and
/// spread over the workers instead of all landing, as a burst, on whichever worker accepts first.
/// </summary>
public sealed partial class LoadClient : IAsyncDisposable
{
    private readonly HttpClient _client;
    private readonly ConcurrentQueue<LoadOutcome> _outcomes = new();
    private readonly Task[] _loops;
    private volatile bool _stopping;

    private LoadClient(string url, int concurrency, TimeSpan requestTimeout)
    {
        _client = new HttpClient(new SocketsHttpHandler()) { Timeout = requestTimeout };
        _loops = new Task[concurrency];
        var previousStarted = Task.CompletedTask;
        for (var i = 0; i < concurrency; i++)
        {
            var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var after = previousStarted;
            _loops[i] = Task.Run(async () =>
            {
                await after;
                await LoopAsync(url, started);
            });
            previousStarted = started.Task;
        }
    }

    /// <summary>Starts <paramref name="concurrency"/> request loops against <paramref name="url"/>.</summary>
    public static LoadClient Start(string url, int concurrency = 8, TimeSpan? requestTimeout = null) =>
        new(url, concurrency, requestTimeout ?? TimeSpan.FromSeconds(30));

    public int Concurrency => _loops.Length;

    /// <summary>Requests that ended so far (successfully or not).</summary>
    public int Completed => _outcomes.Count;

    /// <summary>A snapshot of the outcomes so far.</summary>
    public IReadOnlyList<LoadOutcome> Snapshot() => _outcomes.ToArray();

    /// <summary>Waits until at least <paramref name="count"/> more requests have ended (false on timeout).</summary>
    public async Task<bool> WaitForMoreAsync(int count, TimeSpan timeout)
    {
        var target = Completed + count;
        var deadline = DateTime.UtcNow + timeout;
        while (Completed < target)
        {
            if (DateTime.UtcNow > deadline)
            {
                return false;
            }
            await Task.Delay(20);
        }
        return true;
    }

    /// <summary>Waits until some request that ended after <paramref name="since"/> matches <paramref name="predicate"/>.</summary>
    public async Task<LoadOutcome?> WaitForAnswerAsync(Func<LoadOutcome, bool> predicate, DateTime since, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            var found = _outcomes.FirstOrDefault(o => o.Ended >= since && predicate(o));
            if (found is not null)
            {
                return found;
            }
            await Task.Delay(20);
        }
        return null;
    }

    /// <summary>Lets the requests in flight end, stops the loops and returns every outcome.</summary>
    public async Task<LoadSummary> StopAsync()
    {
        _stopping = true;
        await Task.WhenAll(_loops);
        return new LoadSummary(_outcomes.OrderBy(o => o.Sent).ToList());
    }

    private async Task LoopAsync(string url, TaskCompletionSource started)
    {
        while (!_stopping)
        {
            var sent = DateTime.UtcNow;
            try
            {
                using var response = await _client.GetAsync(url, HttpCompletionOption.ResponseContentRead);
                var body = await response.Content.ReadAsStringAsync();
                var match = AnswerPattern().Match(body);
                _outcomes.Enqueue(new LoadOutcome(sent, DateTime.UtcNow, (int)response.StatusCode,
                    match.Success ? int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture) : null,
                    match.Success ? match.Groups[2].Value : null,
                    match.Success || (int)response.StatusCode != 200 ? null : $"unexpected body: {body}"));
            }
            catch (Exception e)
            {
                _outcomes.Enqueue(new LoadOutcome(sent, DateTime.UtcNow, null, null, null, Describe(e)));
            }
            started.TrySetResult();
        }
        started.TrySetResult();
    }

    private static string Describe(Exception e)
    {
        var text = $"{e.GetType().Name}: {e.Message}";
        for (var inner = e.InnerException; inner is not null; inner = inner.InnerException)
        {
            text += $" <- {inner.GetType().Name}: {inner.Message}";
        }
        return text;
    }

    [GeneratedRegex(@"^pid=(\d+) version=(\S+)$")]
    private static partial Regex AnswerPattern();

    public async ValueTask DisposeAsync()
    {
        if (!_stopping)
        {
            await StopAsync();
        }
        _client.Dispose();
    }
}
