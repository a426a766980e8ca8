namespace Dram.Tests.Infrastructure;

/// <summary>Who owns a file and who a process runs as, as Linux reports them.</summary>
public static class UnixCredentials
{
    /// <summary>A file's owner, group and permission bits (octal, e.g. "770"), from stat(1).</summary>
    public static async Task<(int Uid, int Gid, string Mode)> OwnerOfAsync(string path)
    {
        var fields = (await ExternalCommand.RunCheckedAsync("stat", ["-c", "%u %g %a", path])).Trim().Split(' ');
        return (int.Parse(fields[0]), int.Parse(fields[1]), fields[2]);
    }

    /// <summary>
    /// The Uid:, Gid: and Groups: lines of /proc/PID/status: real, effective, saved and filesystem
    /// ids, and the supplementary groups.
    /// </summary>
    public static (int[] Uids, int[] Gids, int[] Groups) OfProcess(int pid)
    {
        int[] uids = [], gids = [], groups = [];
        foreach (var line in File.ReadLines($"/proc/{pid}/status"))
        {
            if (line.StartsWith("Uid:", StringComparison.Ordinal))
            {
                uids = Numbers(line);
            }
            else if (line.StartsWith("Gid:", StringComparison.Ordinal))
            {
                gids = Numbers(line);
            }
            else if (line.StartsWith("Groups:", StringComparison.Ordinal))
            {
                groups = Numbers(line);
            }
        }
        return (uids, gids, groups);
    }

    /// <summary>A user listed as a member of some group in /etc/group (so it has supplementary groups), with those groups' ids.</summary>
    public static (string User, int[] SupplementaryGids)? UserWithSupplementaryGroups()
    {
        var members = new Dictionary<string, List<int>>();
        foreach (var line in File.ReadLines("/etc/group"))
        {
            var fields = line.Split(':');
            if (fields.Length < 4 || fields[3].Length == 0)
            {
                continue;
            }
            foreach (var user in fields[3].Split(','))
            {
                if (!members.TryGetValue(user, out var gids))
                {
                    members[user] = gids = [];
                }
                gids.Add(int.Parse(fields[2]));
            }
        }
        var known = File.ReadLines("/etc/passwd").Select(l => l.Split(':')[0]).ToHashSet();
        return members.Where(m => known.Contains(m.Key)).Select(m => ((string User, int[] SupplementaryGids)?)(m.Key, m.Value.ToArray())).FirstOrDefault();
    }

    private static int[] Numbers(string line) =>
        line[(line.IndexOf(':') + 1)..].Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries).Select(int.Parse).ToArray();
}
