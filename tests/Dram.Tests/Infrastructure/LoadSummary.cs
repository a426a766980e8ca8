using System.Text;

namespace Dram.Tests.Infrastructure;

/// <summary>Every outcome of a load run, with the counts tests assert on and a printable report.</summary>
public sealed class LoadSummary(IReadOnlyList<LoadOutcome> outcomes)
{
    public IReadOnlyList<LoadOutcome> Outcomes { get; } = outcomes;

    public int Total => Outcomes.Count;

    public int Succeeded => Outcomes.Count(o => o.Succeeded);

    /// <summary>Requests that ended in an exception or with a status other than 200.</summary>
    public IReadOnlyList<LoadOutcome> Failures => Outcomes.Where(o => !o.Succeeded).ToList();

    public IReadOnlyDictionary<int, int> StatusCounts =>
        Outcomes.Where(o => o.Status is not null).GroupBy(o => o.Status!.Value).ToDictionary(g => g.Key, g => g.Count());

    public IReadOnlyDictionary<string, int> ErrorCounts =>
        Outcomes.Where(o => o.Error is not null).GroupBy(o => o.Error!).ToDictionary(g => g.Key, g => g.Count());

    /// <summary>Successful answers per worker pid.</summary>
    public IReadOnlyDictionary<int, int> AnswersByPid =>
        Outcomes.Where(o => o.Succeeded && o.Pid is not null).GroupBy(o => o.Pid!.Value).ToDictionary(g => g.Key, g => g.Count());

    public string Report()
    {
        var text = new StringBuilder();
        var span = Total == 0 ? TimeSpan.Zero : Outcomes.Max(o => o.Ended) - Outcomes.Min(o => o.Sent);
        text.AppendLine($"load: {Total} requests in {span.TotalSeconds:0.0} s, {Succeeded} succeeded, {Failures.Count} failed");
        foreach (var (status, count) in StatusCounts.OrderBy(p => p.Key))
        {
            text.AppendLine($"  status {status}: {count}");
        }
        foreach (var (error, count) in ErrorCounts.OrderByDescending(p => p.Value))
        {
            text.AppendLine($"  error x{count}: {error}");
        }
        foreach (var group in Outcomes.Where(o => o.Succeeded && o.Pid is not null).GroupBy(o => (o.Pid, o.Version)).OrderBy(g => g.Min(o => o.Ended)))
        {
            text.AppendLine($"  pid {group.Key.Pid} version {group.Key.Version}: {group.Count()} answers, "
                + $"{group.Min(o => o.Ended):HH:mm:ss.fff} .. {group.Max(o => o.Ended):HH:mm:ss.fff}");
        }
        foreach (var failure in Failures.Take(20))
        {
            text.AppendLine($"  failed: sent {failure.Sent:HH:mm:ss.fff} ended {failure.Ended:HH:mm:ss.fff} status {failure.Status?.ToString() ?? "-"} {failure.Error}");
        }
        return text.ToString();
    }
}
