using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json;
using Dram.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Dram.Tests.Hostile;

/// <summary>
/// Thousands of mutated requests (see <see cref="RequestMutator"/>), each on its own connection,
/// ended by a half-close or a closing request: the worker never crashes or restarts, everything it sends back is
/// well-formed HTTP/1.1 with no more responses than the bytes held request lines, and after each
/// batch an ordinary request still gets the right answer. The seed is printed; set DRAM_FUZZ_SEED
/// to replay a run (and DRAM_FUZZ_CASES to change its length).
/// </summary>
public sealed class RequestFuzzTests(ITestOutputHelper output)
{
    private const int StandardCases = 6000;
    private const int BatchSize = 500;
    private const int Concurrency = 16;
    private const int MaxReportedFailures = 5;

    /// <summary>Statuses a mutated request may get: answers, and every refusal of a bad request.</summary>
    private static readonly HashSet<int> ExpectedStatuses = [100, 200, 400, 404, 405, 408, 411, 413, 414, 417, 431, 501, 505];

    /// <summary>Statuses with which the server refuses a request it cannot parse or frame.</summary>
    private static readonly HashSet<int> Refusals = [400, 408, 411, 413, 414, 417, 431, 501, 505];

    [Fact]
    public async Task MutatedRequestsNeverCrashTheWorkerOrGetAMalformedResponse()
    {
        var seed = RequestMutator.SeedFromEnvironment();
        var cases = RequestMutator.CasesFromEnvironment(StandardCases);
        var mutator = new RequestMutator(seed);
        output.WriteLine($"fuzz seed {seed} ({cases} cases); replay with DRAM_FUZZ_SEED={seed}");

        await using var dram = await DramProcess.StartAsync("hostile:application", ["--threads", "2"]);
        var worker = await dram.WorkerPidAsync();
        var failures = new ConcurrentQueue<string>();
        var statuses = new ConcurrentDictionary<int, int>();
        var resets = 0;
        var watch = Stopwatch.StartNew();

        for (var batchStart = 0; batchStart < cases && failures.Count < MaxReportedFailures; batchStart += BatchSize)
        {
            var next = batchStart - 1;
            var batchEnd = Math.Min(cases, batchStart + BatchSize);
            await Task.WhenAll(Enumerable.Range(0, Concurrency).Select(async _ =>
            {
                for (var index = Interlocked.Increment(ref next); index < batchEnd && failures.Count < MaxReportedFailures; index = Interlocked.Increment(ref next))
                {
                    var fuzz = mutator.Make(index);
                    var result = await RawExchange.SendAsync(dram.Port, fuzz.Pieces, TimeSpan.FromSeconds(30), fuzz.HalfClose);
                    var wire = result.Parse();
                    foreach (var response in wire.Responses)
                    {
                        statuses.AddOrUpdate(response.Status, 1, (_, n) => n + 1);
                    }
                    if (result.Reset)
                    {
                        Interlocked.Increment(ref resets);
                    }
                    if (Check(fuzz, result, wire) is { } problem)
                    {
                        failures.Enqueue($"case {fuzz.Index} (seed {seed}; {fuzz.Recipe}): {problem}\n  sent: {fuzz.Printable()}\n  got: {wire.Describe()}");
                    }
                }
            }));
            var control = await RawHttpConnection.ExchangeAsync(dram.Port,
                $"POST /echo?after={batchEnd} HTTP/1.1\r\nHost: localhost\r\nContent-Length: 5\r\n\r\nafter", timeout: TimeSpan.FromSeconds(30));
            var seen = JsonDocument.Parse(control.Body).RootElement;
            Assert.True(control.StatusCode == 200 && seen.GetProperty("body").GetString() == "after",
                $"after case {batchEnd} (seed {seed}) an ordinary request got {control.StatusCode}: {control.BodyText}");
            Assert.True(ProcessTable.IsRunningDram(worker), $"the worker died by case {batchEnd} (seed {seed}):\n{dram.Output}");
        }
        var elapsed = watch.Elapsed;
        output.WriteLine($"{cases} cases in {elapsed.TotalSeconds:0.0} s; statuses: "
            + string.Join(", ", statuses.OrderBy(s => s.Key).Select(s => $"{s.Key}x{s.Value}")) + $"; {resets} connections ended by a reset");

        Assert.True(failures.IsEmpty, string.Join("\n\n", failures));
        Assert.Equal(worker, await dram.WorkerPidAsync());
        Assert.Equal(1, dram.CountInOutput("Booting worker"));
        Assert.False(dram.Output.Contains("[CRITICAL]", StringComparison.Ordinal), dram.Output);
        RobustnessLog.Record("Hostile clients", $"{cases:N0} mutated requests (seeded fuzzer: flipped, inserted and deleted bytes, foreign and swapped header lines, corrupted chunk sizes, bare CR/LF, truncation, random splits)",
            $"every response well-formed HTTP/1.1, never more responses than request lines sent; no crash or restart; ordinary requests answered after each batch of {BatchSize} "
            + $"({string.Join(", ", statuses.Where(s => s.Key >= 200).OrderBy(s => s.Key).Select(s => $"{s.Value} x {s.Key}"))})");
    }

    /// <summary>What is wrong with the server's side of one case, or null.</summary>
    private static string? Check(FuzzCase fuzz, ExchangeResult result, ResponseSequence wire)
    {
        if (!result.ClosedByServer)
        {
            return "the server kept the connection open for 30 s";
        }
        if (wire.Error is not null && !(wire.Truncated && result.Reset))
        {
            return "malformed response: " + wire.Error;
        }
        // Bytes after a request whose framing was mangled are read as the next request and refused;
        // what must never happen is the app answering more requests than there were request lines,
        // or anything following a refusal (which closes the connection). Each request line holds
        // "HTTP/1." (Kestrel takes "GET /xHTTP/1.1" for "GET / HTTP/1.1", so not always after a space).
        var requestLines = CountOf(fuzz.Bytes, "HTTP/1."u8);
        var answered = wire.Final.Count(r => !Refusals.Contains(r.Status));
        if (answered > requestLines)
        {
            return $"{answered} requests answered from bytes holding {requestLines} request line(s)";
        }
        var refusal = wire.Responses.FindIndex(r => Refusals.Contains(r.Status));
        if (refusal >= 0 && (refusal != wire.Responses.Count - 1 || !wire.Responses[refusal].ClosesConnection))
        {
            return $"the {wire.Responses[refusal].Status} refusal did not end the connection";
        }
        foreach (var response in wire.Responses)
        {
            if (!ExpectedStatuses.Contains(response.Status))
            {
                return $"status {response.Status}";
            }
            if (response.Status == 200 && response.Header("Content-Type") == "application/json")
            {
                try
                {
                    JsonDocument.Parse(response.Body).Dispose();
                }
                catch (JsonException e)
                {
                    return $"a 200 body that is not the app's JSON ({e.Message})";
                }
            }
        }
        return null;
    }

    private static int CountOf(byte[] data, ReadOnlySpan<byte> part)
    {
        var count = 0;
        var rest = data.AsSpan();
        for (var at = rest.IndexOf(part); at >= 0; at = rest.IndexOf(part))
        {
            count++;
            rest = rest[(at + part.Length)..];
        }
        return count;
    }
}
