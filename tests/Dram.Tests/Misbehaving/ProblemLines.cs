using System.Text.RegularExpressions;

namespace Dram.Tests.Misbehaving;

/// <summary>
/// The WARNING, ERROR and CRITICAL lines of a stretch of dram's log (tracebacks that follow a line
/// are not lines of their own): what "exactly one log line about the fault" is counted on.
/// </summary>
public static partial class ProblemLines
{
    public static IReadOnlyList<string> In(string log) =>
        log.Split('\n').Where(line => Problem().IsMatch(line)).Select(line => line.TrimEnd('\r')).ToList();

    /// <summary>The problem lines of <paramref name="log"/> at <paramref name="level"/> ("ERROR", "WARNING").</summary>
    public static IReadOnlyList<string> At(string log, string level) =>
        In(log).Where(line => line.Contains($"] [{level}] ", StringComparison.Ordinal)).ToList();

    [GeneratedRegex(@"^\[[^\]]+\] \[\d+\] \[(WARNING|ERROR|CRITICAL)\] ")]
    private static partial Regex Problem();
}
