using System.Globalization;

namespace Dram.Tests.Infrastructure;

/// <summary>What /proc says about processes: a master's worker children, and whether a pid still runs.</summary>
public static class ProcessTable
{
    /// <summary>The pids whose parent is <paramref name="parentPid"/> (zombies excluded).</summary>
    public static IReadOnlyList<int> ChildrenOf(int parentPid)
    {
        var children = new List<int>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
            {
                continue;
            }
            if (ReadStat(pid) is { } stat && stat.ParentPid == parentPid && stat.State != 'Z')
            {
                children.Add(pid);
            }
        }
        children.Sort();
        return children;
    }

    /// <summary>True while <paramref name="pid"/> is a running (not zombie) dram process.</summary>
    public static bool IsRunningDram(int pid)
    {
        if (ReadStat(pid) is not { } stat || stat.State == 'Z')
        {
            return false;
        }
        try
        {
            var command = File.ReadAllText($"/proc/{pid}/cmdline");
            return command.Contains("dram", StringComparison.Ordinal);
        }
        catch (IOException)
        {
            return false;
        }
        catch (UnauthorizedAccessException)
        {
            return false;
        }
    }

    /// <summary>Polls until the master has exactly <paramref name="count"/> children, none of them <paramref name="gone"/>; returns the last list seen.</summary>
    public static async Task<IReadOnlyList<int>> WaitForChildCountAsync(int parentPid, int count, TimeSpan timeout, int? gone = null)
    {
        var deadline = DateTime.UtcNow + timeout;
        var children = ChildrenOf(parentPid);
        // A killed child stays listed until its parent reaps it: with gone, wait until it is not.
        while ((children.Count != count || (gone is { } pid && children.Contains(pid))) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
            children = ChildrenOf(parentPid);
        }
        return children;
    }

    private static (char State, int ParentPid)? ReadStat(int pid)
    {
        string text;
        try
        {
            text = File.ReadAllText($"/proc/{pid}/stat");
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
        // pid (comm) state ppid ...; comm may hold spaces and parentheses, so parse after the last ')'.
        var close = text.LastIndexOf(')');
        if (close < 0)
        {
            return null;
        }
        var fields = text[(close + 2)..].Split(' ');
        return fields.Length > 1 && int.TryParse(fields[1], NumberStyles.None, CultureInfo.InvariantCulture, out var ppid)
            ? (fields[0][0], ppid)
            : null;
    }
}
