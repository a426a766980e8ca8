using System.IO.Pipelines;
using System.Net;
using Dram.Wsgi;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Logging;

namespace Dram.Hosting;

/// <summary>
/// <c>--proxy-protocol</c>: a Kestrel connection middleware that runs before HTTP parsing. Every
/// connection must come from a peer in <c>--proxy-allow-from</c> (or a unix-socket peer) and start
/// with a PROXY protocol header, v1 or v2; the header is consumed and the client it names becomes
/// the connection's remote endpoint, which REMOTE_ADDR and REMOTE_PORT then show. Anything else
/// closes the connection with one log line.
/// </summary>
internal sealed class ProxyProtocolMiddleware(ConnectionDelegate next, ForwardedTrust allowFrom, string allowFromText, ILogger log)
{
    /// <summary>
    /// A proxy writes the header with its first bytes; a peer that has not sent a whole header by
    /// then is not one, and closing it bounds how long a connection is held before HTTP's own
    /// timeouts start.
    /// </summary>
    public static readonly TimeSpan HeaderTimeout = TimeSpan.FromSeconds(5);

    public async Task OnConnectionAsync(ConnectionContext connection)
    {
        var peer = connection.RemoteEndPoint as IPEndPoint;
        if (!allowFrom.Trusts(peer?.Address))
        {
            ProxyProtocolLog.PeerRefused(log, Describe(peer), allowFromText);
            return;
        }
        var (header, problem) = await ReadHeaderAsync(connection.Transport.Input);
        if (header is not { } accepted)
        {
            if (problem is null)
            {
                // Connect-and-close is how load balancers probe a port; a warning each time would flood the log.
                ProxyProtocolLog.ClosedBeforeHeader(log, Describe(peer));
            }
            else
            {
                ProxyProtocolLog.HeaderRejected(log, Describe(peer), problem);
            }
            return;
        }
        connection.Features.Set(new ProxiedConnection(peer?.Address));
        if (accepted.Client is { } client)
        {
            connection.RemoteEndPoint = client;
        }
        if (log.IsEnabled(LogLevel.Debug))
        {
            ProxyProtocolLog.HeaderAccepted(log, accepted.Kind, Describe(peer), accepted.Client is null ? "the peer itself" : accepted.Client.ToString());
        }
        await next(connection);
    }

    /// <summary>The header, or the problem with it; neither when the peer closed without sending a byte.</summary>
    private static async Task<(ProxyHeader? Header, string? Problem)> ReadHeaderAsync(PipeReader input)
    {
        using var timeout = new CancellationTokenSource(HeaderTimeout);
        long received = 0;
        while (true)
        {
            ReadResult result;
            try
            {
                result = await input.ReadAsync(timeout.Token);
            }
            catch (OperationCanceledException) when (timeout.IsCancellationRequested)
            {
                return (null, $"no complete PROXY protocol header within {HeaderTimeout.TotalSeconds:0} s");
            }
            catch (Exception e) when (e is IOException or ConnectionAbortedException)
            {
                // A reset: HAProxy's health checks connect and reset, as any peer may.
                return (null, ClosedAfter(received));
            }
            var buffer = result.Buffer;
            received = buffer.Length;
            switch (ProxyProtocolHeader.TryParse(buffer, out var header, out var problem))
            {
                case ProxyHeaderStatus.Complete:
                    input.AdvanceTo(buffer.GetPosition(header.Length));
                    return (header, null);
                case ProxyHeaderStatus.Invalid:
                    input.AdvanceTo(buffer.Start, buffer.End);
                    return (null, problem);
            }
            input.AdvanceTo(buffer.Start, buffer.End);
            if (result.IsCompleted || result.IsCanceled)
            {
                return (null, ClosedAfter(received));
            }
        }
    }

    private static string? ClosedAfter(long received) =>
        received == 0 ? null : $"the peer closed the connection after {received} bytes, inside the PROXY protocol header";

    private static string Describe(IPEndPoint? peer) => peer is null ? "a unix-socket peer" : peer.ToString();
}
