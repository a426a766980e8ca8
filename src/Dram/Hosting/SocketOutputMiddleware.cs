using System.IO.Pipelines;
using Dram.Wsgi;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;

namespace Dram.Hosting;

/// <summary>
/// Gives a plain HTTP/1.1 connection Dram's own sending (<see cref="SocketOutput"/>), so its
/// responses can carry file bodies with sendfile(2). TLS and HTTP/2 connections keep Kestrel's:
/// their bytes on the wire are not the response's bytes.
/// </summary>
internal sealed class SocketOutputMiddleware(ConnectionDelegate next)
{
    public async Task OnConnectionAsync(ConnectionContext connection)
    {
        var socket = (connection.Features[typeof(IConnectionSocketFeature)] as IConnectionSocketFeature)?.Socket;
        var pool = (connection.Features[typeof(IMemoryPoolFeature)] as IMemoryPoolFeature)?.MemoryPool;
        if (socket is null || pool is null)
        {
            await next(connection);
            return;
        }
        var output = new SocketOutput(socket, connection, pool);
        var transport = connection.Transport;
        connection.Transport = new OutputReplaced(transport.Input, output.Writer);
        connection.Features[typeof(IConnectionFileSender)] = output;
        var sending = output.RunAsync();
        try
        {
            await next(connection);
        }
        finally
        {
            // Whatever Kestrel wrote last goes out before Kestrel closes the socket.
            await output.Writer.CompleteAsync();
            await sending;
            connection.Transport = transport;
        }
    }

    private sealed class OutputReplaced(PipeReader input, PipeWriter output) : IDuplexPipe
    {
        public PipeReader Input => input;

        public PipeWriter Output => output;
    }
}
