using Dram.Tests.Infrastructure;

namespace Dram.Tests.Responses;

/// <summary>Finds the error-log entry (its line plus any traceback lines) dram wrote about one request.</summary>
public static class ErrorLogEntry
{
    /// <summary>
    /// Waits for a log line containing <paramref name="marker"/> (e.g. "GET /path:") and returns
    /// that line with the lines after it up to the next timestamped line. Output arrives line by
    /// line, so it keeps reading until the entry holds every <paramref name="expected"/> text or
    /// the timeout passes; the caller asserts on what it got.
    /// </summary>
    public static async Task<string> WaitForAsync(DramProcess dram, string marker, params string[] expected)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (true)
        {
            var entry = Find(dram.Output, marker);
            if (entry is not null && expected.All(e => entry.Contains(e, StringComparison.Ordinal)))
            {
                return entry;
            }
            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail($"no complete log entry for '{marker}' holding [{string.Join(", ", expected)}]; log:\n{dram.Output}");
            }
            await Task.Delay(50);
        }
    }

    private static string? Find(string output, string marker)
    {
        var lines = output.Split('\n');
        var start = Array.FindIndex(lines, l => l.Contains(marker, StringComparison.Ordinal));
        if (start < 0)
        {
            return null;
        }
        var entry = new List<string> { lines[start] };
        for (var i = start + 1; i < lines.Length && !IsNewEntry(lines[i]); i++)
        {
            entry.Add(lines[i]);
        }
        return string.Join('\n', entry);
    }

    private static bool IsNewEntry(string line) => line.Length > 5 && line[0] == '[' && char.IsAsciiDigit(line[1]);
}
