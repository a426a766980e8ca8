using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace Dram.Tests.Infrastructure;

/// <summary>
/// A TCP connection that sends raw request bytes and parses raw responses, for tests that need
/// exact bytes on the wire (framing, pipelining, malformed requests, disconnects).
/// </summary>
public sealed class RawHttpConnection : IDisposable
{
    private readonly Socket _socket;
    private readonly Stream _stream;
    private readonly List<byte> _buffer = [];

    private RawHttpConnection(Socket socket, Stream? stream = null)
    {
        _socket = socket;
        _stream = stream ?? new NetworkStream(socket, ownsSocket: true);
    }

    /// <summary>The TLS session of a connection opened with <see cref="OpenTlsAsync"/>, else null.</summary>
    public SslStream? Tls => _stream as SslStream;

    /// <summary>
    /// A TLS connection speaking HTTP/1.1 (ALPN http/1.1). The server's certificate is accepted
    /// whatever it is and can be read from <see cref="Tls"/>.
    /// </summary>
    public static async Task<RawHttpConnection> OpenTlsAsync(int port, X509Certificate2? clientCertificate = null)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        await socket.ConnectAsync(new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, port));
        var tls = new SslStream(new NetworkStream(socket, ownsSocket: true), leaveInnerStreamOpen: false);
        await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
        {
            TargetHost = "localhost",
            ApplicationProtocols = [SslApplicationProtocol.Http11],
            RemoteCertificateValidationCallback = static (_, _, _, _) => true,
            ClientCertificates = clientCertificate is null ? null : [clientCertificate],
        });
        return new RawHttpConnection(socket, tls);
    }

    public static Task<RawHttpConnection> OpenAsync(int port) => OpenAsync(port, from: null);

    /// <summary>
    /// Connects to 127.0.0.1:<paramref name="port"/> from <paramref name="from"/> (another loopback
    /// address such as 127.0.0.2, so the server sees a peer other than itself).
    /// </summary>
    public static async Task<RawHttpConnection> OpenAsync(int port, System.Net.IPAddress? from, System.Net.IPAddress? to = null)
    {
        var server = to ?? System.Net.IPAddress.Loopback;
        var socket = new Socket(server.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            if (from is not null)
            {
                socket.Bind(new System.Net.IPEndPoint(from, 0));
            }
            await socket.ConnectAsync(new System.Net.IPEndPoint(server, port));
        }
        catch
        {
            socket.Dispose();
            throw;
        }
        return new RawHttpConnection(socket);
    }

    /// <summary>Connects to a unix domain socket.</summary>
    public static async Task<RawHttpConnection> OpenUnixAsync(string path)
    {
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            await socket.ConnectAsync(new UnixDomainSocketEndPoint(path));
        }
        catch
        {
            socket.Dispose();
            throw;
        }
        return new RawHttpConnection(socket);
    }

    public Socket Socket => _socket;

    /// <summary>This side's TCP port, which the server sees as REMOTE_PORT.</summary>
    public int LocalPort => ((System.Net.IPEndPoint)_socket.LocalEndPoint!).Port;

    public Task SendAsync(string text) => SendAsync(Encoding.Latin1.GetBytes(text));

    public async Task SendAsync(byte[] bytes)
    {
        await _stream.WriteAsync(bytes);
        await _stream.FlushAsync();
    }

    /// <summary>Sends a request and reads its response.</summary>
    public static async Task<RawResponse> ExchangeAsync(int port, string request, bool head = false, TimeSpan? timeout = null)
    {
        using var connection = await OpenAsync(port);
        await connection.SendAsync(request);
        return await connection.ReadResponseAsync(head, timeout);
    }

    /// <summary>Reads one response (skipping 1xx interim responses unless <paramref name="keepInterim"/>).</summary>
    public async Task<RawResponse> ReadResponseAsync(bool head = false, TimeSpan? timeout = null, bool keepInterim = false)
    {
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(30));
        while (true)
        {
            var headEnd = await FillUntilAsync("\r\n\r\n"u8.ToArray(), cts.Token);
            if (headEnd < 0)
            {
                throw new EndOfStreamException("connection closed before a complete response head; got: " + Encoding.Latin1.GetString(_buffer.ToArray()));
            }
            var headText = Encoding.Latin1.GetString(_buffer.GetRange(0, headEnd).ToArray());
            _buffer.RemoveRange(0, headEnd + 4);
            var lines = headText.Split("\r\n");
            var statusLine = lines[0];
            var code = int.Parse(statusLine.Split(' ')[1]);
            var headers = new List<KeyValuePair<string, string>>();
            foreach (var line in lines.Skip(1))
            {
                var colon = line.IndexOf(':');
                headers.Add(new(line[..colon], line[(colon + 1)..].Trim()));
            }
            if (code is >= 100 and < 200 && !keepInterim)
            {
                continue;
            }
            string? Header(string name) => headers.FirstOrDefault(h => h.Key.Equals(name, StringComparison.OrdinalIgnoreCase)).Value;

            byte[] body;
            var chunked = false;
            if (head || code is 204 or 304 || code < 200)
            {
                body = [];
            }
            else if (Header("Transfer-Encoding")?.Contains("chunked", StringComparison.OrdinalIgnoreCase) == true)
            {
                chunked = true;
                body = await ReadChunkedAsync(cts.Token);
            }
            else if (Header("Content-Length") is { } lengthText)
            {
                var length = int.Parse(lengthText);
                if (!await FillCountAsync(length, cts.Token))
                {
                    throw new EndOfStreamException($"connection closed after {_buffer.Count} of {length} body bytes");
                }
                body = _buffer.GetRange(0, length).ToArray();
                _buffer.RemoveRange(0, length);
            }
            else
            {
                body = await ReadToEndAsync(cts.Token);
            }
            return new RawResponse { StatusLine = statusLine, StatusCode = code, Headers = headers, Body = body, Chunked = chunked };
        }
    }

    /// <summary>Everything until the server closes the connection.</summary>
    public async Task<byte[]> ReadToEndAsync(CancellationToken token = default)
    {
        var chunk = new byte[65536];
        while (true)
        {
            int read;
            try
            {
                read = await _stream.ReadAsync(chunk, token);
            }
            catch (IOException)
            {
                read = 0;
            }
            if (read == 0)
            {
                break;
            }
            _buffer.AddRange(chunk.AsSpan(0, read));
        }
        var all = _buffer.ToArray();
        _buffer.Clear();
        return all;
    }

    /// <summary>True if the server closed the connection (EOF or reset) within the timeout.</summary>
    public async Task<bool> IsClosedByServerAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        var chunk = new byte[4096];
        try
        {
            while (true)
            {
                var read = await _stream.ReadAsync(chunk, cts.Token);
                if (read == 0)
                {
                    return true;
                }
                _buffer.AddRange(chunk.AsSpan(0, read));
            }
        }
        catch (OperationCanceledException)
        {
            return false;
        }
        catch (IOException)
        {
            return true;
        }
    }

    private async Task<byte[]> ReadChunkedAsync(CancellationToken token)
    {
        var body = new List<byte>();
        while (true)
        {
            var lineEnd = await FillUntilAsync("\r\n"u8.ToArray(), token);
            if (lineEnd < 0)
            {
                throw new EndOfStreamException("connection closed inside a chunked body");
            }
            var sizeText = Encoding.Latin1.GetString(_buffer.GetRange(0, lineEnd).ToArray()).Split(';')[0].Trim();
            _buffer.RemoveRange(0, lineEnd + 2);
            var size = Convert.ToInt32(sizeText, 16);
            if (size == 0)
            {
                // Trailers (none expected) end with an empty line.
                var end = await FillUntilAsync("\r\n"u8.ToArray(), token);
                _buffer.RemoveRange(0, end + 2);
                return body.ToArray();
            }
            if (!await FillCountAsync(size + 2, token))
            {
                throw new EndOfStreamException("connection closed inside a chunk");
            }
            body.AddRange(_buffer.GetRange(0, size));
            _buffer.RemoveRange(0, size + 2);
        }
    }

    private async Task<int> FillUntilAsync(byte[] marker, CancellationToken token)
    {
        var chunk = new byte[65536];
        while (true)
        {
            var index = IndexOf(marker);
            if (index >= 0)
            {
                return index;
            }
            int read;
            try
            {
                read = await _stream.ReadAsync(chunk, token);
            }
            catch (IOException)
            {
                return -1;
            }
            if (read == 0)
            {
                return -1;
            }
            _buffer.AddRange(chunk.AsSpan(0, read));
        }
    }

    private async Task<bool> FillCountAsync(int count, CancellationToken token)
    {
        var chunk = new byte[65536];
        while (_buffer.Count < count)
        {
            int read;
            try
            {
                read = await _stream.ReadAsync(chunk, token);
            }
            catch (IOException)
            {
                return false;
            }
            if (read == 0)
            {
                return false;
            }
            _buffer.AddRange(chunk.AsSpan(0, read));
        }
        return true;
    }

    private int IndexOf(byte[] marker)
    {
        for (var i = 0; i + marker.Length <= _buffer.Count; i++)
        {
            var match = true;
            for (var j = 0; j < marker.Length; j++)
            {
                if (_buffer[i + j] != marker[j])
                {
                    match = false;
                    break;
                }
            }
            if (match)
            {
                return i;
            }
        }
        return -1;
    }

    public void Dispose()
    {
        _stream.Dispose();
    }
}
