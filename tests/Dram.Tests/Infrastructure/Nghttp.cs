using System.Text.RegularExpressions;

namespace Dram.Tests.Infrastructure;

/// <summary>
/// nghttp, the HTTP/2 client of nghttp2 (Debian package nghttp2-client): one connection per
/// authority, many concurrent streams on it (-m N repeats a URI N times).
/// </summary>
public static partial class Nghttp
{
    public const string Path = "/usr/bin/nghttp";

    /// <summary>Why nghttp tests cannot run here, or null.</summary>
    public static string? AbsenceReason => File.Exists(Path) ? null : "nghttp is not installed (apt install nghttp2-client; scripts/install-deps.sh --tests does)";

    /// <summary>
    /// Runs nghttp -n -s -v with these arguments: the HTTP status of every stream (from the -s
    /// statistics) and how many connections it opened (from -v).
    /// </summary>
    public static async Task<(IReadOnlyList<int> Statuses, int Connections, string Output)> RunAsync(params string[] args)
    {
        var (exitCode, output) = await ExternalCommand.RunAsync(Path, ["-n", "-s", "-v", "--timeout=60", .. args]);
        Assert.True(exitCode == 0, $"nghttp {string.Join(' ', args)} exited with {exitCode}:\n{output}");
        var statuses = StatLine().Matches(output).Select(m => int.Parse(m.Groups[1].Value)).ToList();
        var connections = output.Split('\n').Count(line => line.EndsWith("] Connected", StringComparison.Ordinal));
        return (statuses, connections, output);
    }

    /// <summary>A line of the -s statistics: id, responseEnd, requestStart, process, code, size, path.</summary>
    [GeneratedRegex(@"^\s*\d+\s+\+\S+\s+\+\S+\s+\S+\s+(\d{3})\s", RegexOptions.Multiline)]
    private static partial Regex StatLine();
}
