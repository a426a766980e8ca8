using Dram.Transport;
using Dram.Wsgi;
using Microsoft.AspNetCore.Connections;

namespace Dram.Hosting;

/// <summary>
/// Offers a plain HTTP/1.1 connection's sending side as its <see cref="IConnectionFileSender"/>, so
/// its responses can carry file bodies with sendfile(2). TLS and HTTP/2 connections are not offered
/// it: their bytes on the wire are not the response's bytes.
/// </summary>
internal sealed class FileSenderMiddleware(ConnectionDelegate next)
{
    public Task OnConnectionAsync(ConnectionContext connection)
    {
        if (connection is StreamConnection stream)
        {
            connection.Features[typeof(IConnectionFileSender)] = stream.Output;
        }
        return next(connection);
    }
}
