using Microsoft.Extensions.Logging;

namespace Dram.Hosting;

/// <summary>The PROXY protocol's log lines, one per refused connection, with fixed event ids.</summary>
internal static partial class ProxyProtocolLog
{
    [LoggerMessage(EventId = 60, Level = LogLevel.Warning, Message = "PROXY protocol: refused a connection from {Peer}: it is not in --proxy-allow-from ({Allowed})")]
    public static partial void PeerRefused(ILogger logger, string peer, string allowed);

    [LoggerMessage(EventId = 61, Level = LogLevel.Warning, Message = "PROXY protocol: closed the connection from {Peer}: {Problem}")]
    public static partial void HeaderRejected(ILogger logger, string peer, string problem);

    [LoggerMessage(EventId = 63, Level = LogLevel.Debug, Message = "PROXY protocol: {Peer} closed the connection without sending anything")]
    public static partial void ClosedBeforeHeader(ILogger logger, string peer);

    [LoggerMessage(EventId = 62, Level = LogLevel.Debug, Message = "PROXY protocol: {Kind} header from {Peer}; the client is {Client}")]
    public static partial void HeaderAccepted(ILogger logger, string kind, string peer, string client);
}
