using System.Text.Json;

namespace Dram.Tests.Infrastructure;

/// <summary>
/// A file the server hooks of a test config append JSON lines to (see <see cref="Preamble"/>), one
/// per call, so a test sees which hooks ran, in which process, with which arguments.
/// </summary>
public sealed class HookJournal(string path)
{
    public const string Variable = "HOOK_JOURNAL";

    /// <summary>
    /// Config-file code defining <c>_record(hook, **fields)</c>: appends one JSON line with the hook,
    /// the fields and the pid of the process it ran in, with one write so processes do not interleave.
    /// </summary>
    public const string Preamble = """
        import json
        import os

        _JOURNAL = os.environ["HOOK_JOURNAL"]


        def _record(hook, **fields):
            fields.update(hook=hook, process=os.getpid())
            line = (json.dumps(fields, sort_keys=True, default=repr) + "\n").encode()
            fd = os.open(_JOURNAL, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
            try:
                os.write(fd, line)
            finally:
                os.close(fd)

        """;

    public string Path { get; } = path;

    public IReadOnlyList<JsonElement> Entries()
    {
        if (!File.Exists(Path))
        {
            return [];
        }
        return File.ReadAllLines(Path).Where(l => l.Length > 0).Select(l => JsonDocument.Parse(l).RootElement.Clone()).ToList();
    }

    public IReadOnlyList<JsonElement> Of(string hook) => Entries().Where(e => e.GetProperty("hook").GetString() == hook).ToList();

    /// <summary>The hooks in the order they ran.</summary>
    public IReadOnlyList<string> Order() => Entries().Select(e => e.GetProperty("hook").GetString()!).ToList();

    /// <summary>Waits until <paramref name="hook"/> was recorded at least <paramref name="count"/> times; returns its entries.</summary>
    public async Task<IReadOnlyList<JsonElement>> WaitForAsync(string hook, int count = 1, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(30));
        while (true)
        {
            var found = Of(hook);
            if (found.Count >= count || DateTime.UtcNow > deadline)
            {
                return found;
            }
            await Task.Delay(50);
        }
    }

    public override string ToString() => File.Exists(Path) ? File.ReadAllText(Path) : "(no hook ran)";
}
