using System.Globalization;
using System.Text.RegularExpressions;

namespace Dram.Tests.Infrastructure;

/// <summary>One scrape of dram's Prometheus endpoint, parsed into samples.</summary>
public sealed partial class MetricsScrape
{
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(30) };

    private MetricsScrape(string text, IReadOnlyList<Sample> samples)
    {
        Text = text;
        Samples = samples;
    }

    public sealed record Sample(string Name, IReadOnlyDictionary<string, string> Labels, double Value)
    {
        public override string ToString() =>
            $"{Name}{{{string.Join(",", Labels.Select(l => $"{l.Key}=\"{l.Value}\""))}}} {Value.ToString(CultureInfo.InvariantCulture)}";
    }

    public string Text { get; }

    public IReadOnlyList<Sample> Samples { get; }

    public static async Task<MetricsScrape> FetchAsync(int port)
    {
        var text = await Http.GetStringAsync($"http://127.0.0.1:{port}/metrics");
        return Parse(text);
    }

    public static MetricsScrape Parse(string text)
    {
        var samples = new List<Sample>();
        foreach (var line in text.Split('\n'))
        {
            if (line.Length == 0 || line.StartsWith('#'))
            {
                continue;
            }
            var match = SampleLine().Match(line);
            if (!match.Success)
            {
                throw new FormatException($"not a Prometheus sample line: {line}");
            }
            var labels = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (Match label in LabelPair().Matches(match.Groups["labels"].Value))
            {
                labels[label.Groups["name"].Value] = label.Groups["value"].Value;
            }
            var value = match.Groups["value"].Value == "+Inf" ? double.PositiveInfinity : double.Parse(match.Groups["value"].Value, CultureInfo.InvariantCulture);
            samples.Add(new Sample(match.Groups["name"].Value, labels, value));
        }
        return new MetricsScrape(text, samples);
    }

    /// <summary>The samples of one metric whose labels include all of <paramref name="labels"/>.</summary>
    public IEnumerable<Sample> Find(string name, params (string Name, string Value)[] labels) =>
        Samples.Where(s => s.Name == name && labels.All(l => s.Labels.TryGetValue(l.Name, out var v) && v == l.Value));

    /// <summary>The value of the one sample matching, or 0 when there is none (a counter not yet seen).</summary>
    public double Value(string name, params (string Name, string Value)[] labels)
    {
        var found = Find(name, labels).ToList();
        return found.Count switch
        {
            0 => 0,
            1 => found[0].Value,
            _ => throw new InvalidOperationException($"{found.Count} samples of {name} match: {string.Join("; ", found)}"),
        };
    }

    /// <summary>Scrapes until <paramref name="condition"/> holds; the last scrape either way.</summary>
    public static async Task<MetricsScrape> WaitUntilAsync(int port, Func<MetricsScrape, bool> condition, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var scrape = await FetchAsync(port);
            if (condition(scrape) || DateTime.UtcNow > deadline)
            {
                return scrape;
            }
            await Task.Delay(100);
        }
    }

    [GeneratedRegex(@"^(?<name>[a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?<labels>[^}]*)\})? (?<value>\S+)$")]
    private static partial Regex SampleLine();

    [GeneratedRegex(@"(?<name>[a-zA-Z_][a-zA-Z0-9_]*)=""(?<value>(?:[^""\\]|\\.)*)""")]
    private static partial Regex LabelPair();
}
