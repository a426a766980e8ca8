using System.Text.Json;

namespace Dram.Tests.Infrastructure;

/// <summary>
/// Records what Dram did in each robustness case (hostile client, misbehaving app, injected fault)
/// as one JSON line, so docs/robustness.md is rendered from what the suite observed rather than
/// written by hand (scripts/render-robustness.py). Lines go to $DRAM_ROBUSTNESS_RESULTS, else to
/// tests/artifacts/robustness.jsonl.
/// </summary>
public static class RobustnessLog
{
    private static readonly Lock Gate = new();

    public static string ResultsPath { get; } =
        Environment.GetEnvironmentVariable("DRAM_ROBUSTNESS_RESULTS") is { Length: > 0 } path
            ? path
            : Path.Combine(Repo.Root, "tests", "artifacts", "robustness.jsonl");

    /// <summary>
    /// Appends one row. <paramref name="section"/> groups rows into a table ("Hostile clients",
    /// "Misbehaving apps", ...); <paramref name="scenario"/> says what was done; <paramref name="outcome"/>
    /// is what Dram was seen to do (status sent, connection closed, log line, worker kept or replaced).
    /// Call it after the test's assertions passed, so only verified outcomes are documented.
    /// </summary>
    public static void Record(string section, string scenario, string outcome)
    {
        var line = JsonSerializer.Serialize(new Dictionary<string, string>
        {
            ["section"] = section,
            ["scenario"] = scenario,
            ["outcome"] = outcome,
        });
        lock (Gate)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(ResultsPath)!);
            File.AppendAllText(ResultsPath, line + "\n");
        }
    }
}
