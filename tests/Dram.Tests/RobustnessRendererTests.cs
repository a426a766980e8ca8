using Dram.Tests.Infrastructure;

namespace Dram.Tests;

/// <summary>
/// scripts/render-robustness.py, run as tests/run.sh runs it: one table per section (known ones
/// first, any other name after), rows in a stable order whatever order the tests recorded them
/// in, and a clear refusal of results it cannot read.
/// </summary>
public sealed class RobustnessRendererTests : IDisposable
{
    private static readonly string Script = Path.Combine(Repo.Root, "scripts", "render-robustness.py");
    private readonly TemporaryDirectory _temp = new();

    private string Results => Path.Combine(_temp.Path, "robustness.jsonl");

    private string Soak => Path.Combine(_temp.Path, "SOAK.md");

    private string Doc => Path.Combine(_temp.Path, "robustness.md");

    [Fact]
    public async Task TablesFollowTheKnownSectionsThenAnyOtherInAStableOrder()
    {
        await File.WriteAllLinesAsync(Results,
        [
            Row("Timing quirks", "b case", "b outcome"),
            Row("Misbehaving apps", "returns None", "500"),
            Row("Faults", "worker SIGKILLed", "replaced"),
            Row("Hostile clients", "slow | loris", "closed after <30 s>"),
            "",
            Row("Misbehaving apps", "raises", "500 again"),
            Row("Misbehaving apps", "returns None", "500"),
            Row("Another section", "a case", "a outcome"),
        ]);
        await File.WriteAllTextAsync(Soak, "# Soak test\n\n| | count |\n|---|---|\n| requests sent | 10 |\n\n## Detail\n");

        var first = await RenderAsync();
        Assert.Equal(0, first.ExitCode);
        Assert.Contains("6 cases in 5 sections, soak summary included", first.Output);
        var doc = await File.ReadAllTextAsync(Doc);

        Assert.StartsWith("# Robustness\n", doc);
        Assert.Contains("generated from the last test run", doc);
        Assert.Contains("scripts/render-robustness.py", doc);
        var order = new[] { "## Hostile clients", "## Misbehaving apps", "## Faults", "## Another section", "## Timing quirks", "## Soak test" }
            .Select(heading => doc.IndexOf(heading + "\n", StringComparison.Ordinal)).ToList();
        Assert.DoesNotContain(-1, order);
        Assert.Equal(order.Order(), order);
        // Rows sorted by scenario; a row recorded twice shows once; cells cannot break the table.
        Assert.Contains("| raises | 500 again |\n| returns None | 500 |\n", doc);
        Assert.Equal(1, Count(doc, "| returns None | 500 |"));
        Assert.Contains(@"| slow \| loris | closed after &lt;30 s> |", doc);
        // The soak summary is included under the document's own heading, its headings one level down.
        Assert.Contains("| requests sent | 10 |", doc);
        Assert.Contains("\n### Detail\n", doc);
        Assert.DoesNotContain("\n# Soak test", doc);

        // The same rows in another order render the same tables.
        var lines = await File.ReadAllLinesAsync(Results);
        await File.WriteAllLinesAsync(Results, lines.Reverse());
        Assert.Equal(0, (await RenderAsync()).ExitCode);
        Assert.Equal(Tables(doc), Tables(await File.ReadAllTextAsync(Doc)));
    }

    [Fact]
    public async Task WithoutASoakSummaryTheDocumentSaysHowToMakeOne()
    {
        await File.WriteAllLinesAsync(Results, [Row("Faults", "a", "b")]);

        Assert.Equal(0, (await RenderAsync()).ExitCode);
        Assert.Contains("No soak summary yet: `bench/soak.py` writes", await File.ReadAllTextAsync(Doc));
    }

    [Theory]
    [InlineData("not json", "line 2 is not JSON")]
    [InlineData("[1, 2]", "line 2: expected an object with section, scenario and outcome, got list")]
    [InlineData("{\"section\": \"Faults\", \"scenario\": \"x\"}", "line 2: missing or empty outcome")]
    [InlineData("{\"section\": \" \", \"scenario\": \"x\", \"outcome\": \"y\"}", "line 2: missing or empty section")]
    public async Task UnreadableResultsAreRefusedWithTheLineAndNothingIsWritten(string bad, string said)
    {
        await File.WriteAllLinesAsync(Results, [Row("Faults", "a", "b"), bad]);

        var (exitCode, output) = await RenderAsync();

        Assert.Equal(2, exitCode);
        Assert.Contains($"render-robustness: {Results} {said}", output);
        Assert.False(File.Exists(Doc));
    }

    [Fact]
    public async Task MissingOrEmptyResultsSayToRunTheSuite()
    {
        var (missingCode, missing) = await RenderAsync();
        Assert.Equal(2, missingCode);
        Assert.Contains($"no results at {Results}: run the test suite first (./tests/run.sh)", missing);

        await File.WriteAllTextAsync(Results, "\n");
        var (emptyCode, empty) = await RenderAsync();
        Assert.Equal(2, emptyCode);
        Assert.Contains("holds no results: did the robustness tests run?", empty);
        Assert.False(File.Exists(Doc));
    }

    public void Dispose() => _temp.Dispose();

    private Task<(int ExitCode, string Output)> RenderAsync() =>
        ExternalCommand.RunAsync("python3", [Script, "--results", Results, "--soak", Soak, "--output", Doc]);

    private static string Row(string section, string scenario, string outcome) =>
        System.Text.Json.JsonSerializer.Serialize(new Dictionary<string, string> { ["section"] = section, ["scenario"] = scenario, ["outcome"] = outcome });

    /// <summary>The document from its first table on (the header names the run's time).</summary>
    private static string Tables(string doc) => doc[doc.IndexOf("\n## ", StringComparison.Ordinal)..];

    private static int Count(string text, string part)
    {
        var count = 0;
        for (var at = text.IndexOf(part, StringComparison.Ordinal); at >= 0; at = text.IndexOf(part, at + part.Length, StringComparison.Ordinal))
        {
            count++;
        }
        return count;
    }
}
