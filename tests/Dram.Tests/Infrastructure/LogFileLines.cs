using System.Text;

namespace Dram.Tests.Infrastructure;

/// <summary>
/// A log file a server writes while a test runs: its complete lines so far, and waits for lines to
/// appear (servers write them asynchronously, after the response).
/// </summary>
public sealed class LogFileLines(string path)
{
    public string Path { get; } = path;

    /// <summary>The whole file as UTF-8 text, "" while it does not exist.</summary>
    public string Text()
    {
        try
        {
            using var stream = new FileStream(Path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            using var reader = new StreamReader(stream, Encoding.UTF8);
            return reader.ReadToEnd();
        }
        catch (FileNotFoundException)
        {
            return "";
        }
    }

    /// <summary>The lines ended by a newline so far (a line being written is left out).</summary>
    public IReadOnlyList<string> Lines()
    {
        var text = Text();
        var end = text.LastIndexOf('\n');
        return end < 0 ? [] : text[..end].Split('\n');
    }

    /// <summary>The first line containing <paramref name="text"/>, waiting for it; throws with the file's content on timeout.</summary>
    public Task<string> WaitForLineAsync(string text, TimeSpan? timeout = null) =>
        WaitForLineAsync(line => line.Contains(text, StringComparison.Ordinal), $"a line containing '{text}'", timeout);

    public async Task<string> WaitForLineAsync(Func<string, bool> match, string description, TimeSpan? timeout = null)
    {
        var lines = await WaitForLinesAsync(match, 1, description, timeout);
        return lines[0];
    }

    /// <summary>Waits until at least <paramref name="count"/> lines match; returns them all.</summary>
    public async Task<IReadOnlyList<string>> WaitForLinesAsync(Func<string, bool> match, int count, string description, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(30));
        while (true)
        {
            var found = Lines().Where(match).ToList();
            if (found.Count >= count)
            {
                return found;
            }
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"{Path} has {found.Count} of {count} expected line(s) ({description}); it holds:\n{Text()}");
            }
            await Task.Delay(50);
        }
    }
}
