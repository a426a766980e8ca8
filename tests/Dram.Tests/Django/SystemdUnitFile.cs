namespace Dram.Tests.Django;

/// <summary>The settings of a systemd unit file (examples/systemd/*), read as systemd reads the simple cases.</summary>
public sealed class SystemdUnitFile
{
    private readonly List<(string Section, string Key, string Value)> _entries = [];

    public SystemdUnitFile(string path)
    {
        Path = path;
        var section = "";
        foreach (var raw in File.ReadAllLines(path))
        {
            var line = raw.Trim();
            if (line.Length == 0 || line[0] is '#' or ';')
            {
                continue;
            }
            if (line[0] == '[' && line[^1] == ']')
            {
                section = line[1..^1];
                continue;
            }
            var equals = line.IndexOf('=');
            if (equals > 0)
            {
                _entries.Add((section, line[..equals].Trim(), line[(equals + 1)..].Trim()));
            }
        }
    }

    public string Path { get; }

    /// <summary>Every value of a key (Environment= may repeat).</summary>
    public IReadOnlyList<string> Values(string section, string key) =>
        _entries.Where(e => e.Section == section && e.Key == key).Select(e => e.Value).ToList();

    /// <summary>The one value of a key; fails the test when it is missing or repeated.</summary>
    public string Value(string section, string key)
    {
        var values = Values(section, key);
        Assert.True(values.Count == 1, $"{Path}: expected one [{section}] {key}=, found {values.Count}");
        return values[0];
    }
}
