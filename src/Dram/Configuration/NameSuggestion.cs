namespace Dram.Configuration;

/// <summary>Finds the known name a mistyped one was probably meant to be ("worker" for "workers").</summary>
public static class NameSuggestion
{
    /// <summary>The closest of <paramref name="known"/> to <paramref name="name"/>, or null when none is close enough to be a typo.</summary>
    public static string? Closest(string name, IEnumerable<string> known)
    {
        if (name.Length < 4)
        {
            return null;
        }
        var lower = name.ToLowerInvariant();
        // Short names tolerate one slip; longer ones two, so that unrelated helper variables in a
        // config file are not taken for typos.
        var allowed = lower.Length >= 8 ? 2 : 1;
        string? best = null;
        var bestDistance = int.MaxValue;
        foreach (var candidate in known)
        {
            if (candidate == name)
            {
                return null;
            }
            var distance = Distance(lower, candidate);
            if (distance < bestDistance)
            {
                best = candidate;
                bestDistance = distance;
            }
        }
        return bestDistance <= allowed ? best : null;
    }

    /// <summary>Edit distance counting an insertion, deletion, substitution or swap of neighbours as one.</summary>
    private static int Distance(string a, string b)
    {
        var previous2 = new int[b.Length + 1];
        var previous = new int[b.Length + 1];
        var current = new int[b.Length + 1];
        for (var j = 0; j <= b.Length; j++)
        {
            previous[j] = j;
        }
        for (var i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (var j = 1; j <= b.Length; j++)
            {
                var cost = a[i - 1] == b[j - 1] ? 0 : 1;
                current[j] = Math.Min(Math.Min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + cost);
                if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
                {
                    current[j] = Math.Min(current[j], previous2[j - 2] + 1);
                }
            }
            (previous2, previous, current) = (previous, current, previous2);
        }
        return previous[b.Length];
    }
}
