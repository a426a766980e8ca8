using System.Text.RegularExpressions;

namespace Dram.Tests.Infrastructure;

/// <summary>The output of <c>dram --print-config</c>: each setting's value (as Python) and where it came from.</summary>
public sealed partial class PrintedConfig
{
    private readonly Dictionary<string, (string Value, string Source)> _settings;

    private PrintedConfig(Dictionary<string, (string Value, string Source)> settings, string output)
    {
        _settings = settings;
        Output = output;
    }

    public string Output { get; }

    public IReadOnlyCollection<string> Names => _settings.Keys;

    public string ValueOf(string name) => _settings.TryGetValue(name, out var s) ? s.Value : throw new KeyNotFoundException($"{name} is not in:\n{Output}");

    public string SourceOf(string name) => _settings.TryGetValue(name, out var s) ? s.Source : throw new KeyNotFoundException($"{name} is not in:\n{Output}");

    public static PrintedConfig Parse(string output)
    {
        var settings = new Dictionary<string, (string, string)>(StringComparer.Ordinal);
        foreach (var line in output.Split('\n'))
        {
            var match = Line().Match(line.TrimEnd('\r'));
            if (match.Success)
            {
                settings[match.Groups[1].Value] = (match.Groups[2].Value.TrimEnd(), match.Groups[3].Value);
            }
        }
        return new PrintedConfig(settings, output);
    }

    /// <summary>Runs <c>dram --print-config</c> with <paramref name="args"/>; fails unless it exits 0.</summary>
    public static async Task<PrintedConfig> RunAsync(IEnumerable<string> args, IDictionary<string, string>? environment = null, string? workingDirectory = null)
    {
        var (exitCode, output) = await DramProcess.RunToExitAsync(["--print-config", .. args], environment, workingDirectory: workingDirectory);
        Assert.True(exitCode == 0, $"--print-config exited {exitCode}:\n{output}");
        return Parse(output);
    }

    [GeneratedRegex(@"^(\w+) += (.*?)  # (.*)$")]
    private static partial Regex Line();
}
