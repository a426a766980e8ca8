using Microsoft.Extensions.Logging;

namespace Dram.Metrics;

/// <summary>The log lines of metrics and reloading, with fixed event ids.</summary>
internal static partial class MetricsLog
{
    [LoggerMessage(EventId = 300, Level = LogLevel.Information, Message = "Prometheus metrics at {Url}")]
    public static partial void Serving(ILogger logger, string url);

    [LoggerMessage(EventId = 301, Level = LogLevel.Warning, Message = "StatsD at {Target}: cannot send ({Reason}); metrics that cannot be sent are dropped (said once per process)")]
    public static partial void StatsdUnreachable(ILogger logger, string target, string reason);

    [LoggerMessage(EventId = 303, Level = LogLevel.Error, Message = "The metrics endpoint stopped: {Reason}")]
    public static partial void EndpointFailed(ILogger logger, string reason);
}
