using System.Buffers;
using System.Net;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using Dram.Python;
using Dram.Python.Native;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Primitives;

namespace Dram.Wsgi;

/// <summary>
/// Builds a request's environ: a copy of the constant template plus what varies. Strings follow
/// PEP 3333: PATH_INFO is the percent-decoded bytes of the raw target as latin-1 (never UTF-8),
/// header values are their latin-1 bytes, repeated headers are joined with "," (Cookie with "; "),
/// and header names containing "_" are dropped so <c>X-Auth_User</c> cannot pose as
/// <c>X-Auth-User</c>. One per Python thread: its header-key cache needs no lock.
/// </summary>
internal sealed unsafe class EnvironBuilder(WsgiRuntime runtime)
{
    /// <summary>Distinct header names whose environ keys are kept; beyond it keys are made per request, so hostile names cannot grow memory.</summary>
    private const int MaxCachedHeaderKeys = 512;

    /// <summary>Request headers with these names are not passed on (Kestrel has consumed them, or they are CGI variables already).</summary>
    private static readonly string[] ContentHeaders = ["Content-Type", "Content-Length"];

    private readonly EnvironKeys _keys = runtime.Keys;
    private readonly byte[] _scriptName = System.Text.Encoding.Latin1.GetBytes(runtime.Options.ScriptName);
    private readonly Dictionary<string, nint> _headerKeys = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>
    /// Header name objects seen lately and their keys from <see cref="_headerKeys"/>, by reference:
    /// Kestrel hands over the same string object for a known header name (Host, User-Agent...)
    /// every time, so most names are found without hashing or comparing their characters.
    /// </summary>
    private readonly string?[] _recentNames = new string?[32];
    private readonly nint[] _recentKeys = new nint[32];
    private readonly ForwardedTrust _trust = runtime.Options.Forwarded;

    /// <summary>
    /// The client certificate last seen and its environ strings: keep-alive requests on one
    /// connection present the same certificate object, so its text is made once.
    /// </summary>
    private X509Certificate2? _certificate;
    private nint _certificatePem;
    private nint _certificateSubject;
    private nint _certificateIssuer;

    /// <summary>Header values as str objects, shared between requests that send the same text.</summary>
    private readonly PythonStringMemo _values = new();

    /// <summary>
    /// The last request target and its RAW_URI, PATH_INFO and QUERY_STRING (references held): a
    /// keep-alive client asking for the same URL again gets the same str objects.
    /// </summary>
    private string? _target;
    private nint _rawUri;
    private nint _pathInfo;
    private nint _queryString;

    /// <summary>The last Host header (and scheme) and the SERVER_NAME and SERVER_PORT it gave.</summary>
    private string? _host;
    private bool _hostHttps;
    private nint _serverName;
    private nint _serverPort;

    /// <summary>The last client address and its REMOTE_ADDR string.</summary>
    private IPAddress? _remote;
    private nint _remoteAddr;

    /// <summary>
    /// REMOTE_PORT strings by port, two for each <see cref="RemotePortSets"/>-th port (the newer
    /// first): a busy Python thread serves its keep-alive connections in turn, each from
    /// its own port, so remembering only the last port would make a str every request. With one
    /// string a set, 32 connections from ephemeral ports shared a slot with another in about half
    /// the requests (wrk -c32 against 64 slots); three connections in one set of two are rare.
    /// </summary>
    private const int RemotePortSets = 128;
    private readonly int[] _remotePorts = NoPorts();
    private readonly nint[] _remotePortTexts = new nint[RemotePortSets * 2];

    private readonly SecureSchemeHeaders _schemeHeaders = runtime.Options.SecureSchemeHeaders;

    /// <summary>The environ keys of X-Forwarded-For and of each secure scheme header (interned, so one object per text), and the latter's lines in this request.</summary>
    private readonly nint _forwardedForKey = MakeHeaderKey("X-Forwarded-For", runtime.Keys);
    private readonly nint[] _schemeKeys = SchemeKeys(runtime.Options.SecureSchemeHeaders, runtime.Keys);
    private readonly StringValues[] _schemeValues = new StringValues[runtime.Options.SecureSchemeHeaders.Count];
    private readonly bool _proxyProtocol = runtime.Options.ProxyProtocol;
    private readonly int _maxHeaderFieldSize = runtime.Options.MaxHeaderFieldSize;

    /// <summary>The environ key of the Host header (HTTP_HOST), which the prototype holds.</summary>
    private readonly nint _hostKey = MakeHeaderKey("Host", runtime.Keys);

    /// <summary>The request's headers, copied out of Kestrel's collection (see <see cref="SetHeaders"/>).</summary>
    private KeyValuePair<string, StringValues>[] _requestHeaders = new KeyValuePair<string, StringValues>[16];

    /// <summary>The environ prototype (a dict no Python code sees) and what it was built for; see <see cref="PrototypeFor"/>.</summary>
    private nint _prototype;
    private EnvironPrototypeKey _prototypeKey;

    /// <summary>
    /// Whether <see cref="SetHeaders"/> put a secure scheme header's lines in <see cref="_schemeValues"/>:
    /// most requests, even from a trusted proxy, carry none, and then there is neither a scheme to
    /// resolve nor lines to clear for the next request.
    /// </summary>
    private bool _schemeValuesSeen;

    /// <summary>
    /// The keys <see cref="Build"/> sets on every request, in the order it sets them. The templates
    /// hold them already, with None that <see cref="Build"/> replaces before the app sees it: a
    /// copied template then has room for them, where inserting them would grow the copy's hash
    /// table once or twice a request (about 80 ns of a hello request's time in a Python timing).
    /// </summary>
    internal static nint[] KeysSetOnEveryRequest(EnvironKeys keys) =>
    [
        keys.RequestMethod, keys.RawUri, keys.PathInfo, keys.QueryString, keys.ServerProtocol,
        keys.WsgiInput, keys.ServerName, keys.ServerPort, keys.RemoteAddr,
    ];

    /// <summary>
    /// A new environ dict (new reference); the GIL is held. Throws <see cref="RequestRejectedException"/>
    /// for a request the app must not see (an over-long header line, contradictory scheme headers).
    /// </summary>
    public nint Build(IHttpRequestFeature request, IFeatureCollection features, nint input)
    {
        var connection = FeatureLookup.Optional<IHttpConnectionFeature>(features);
        var headers = request.Headers;
        var scheme = request.Scheme;
        // Kestrel's scheme is "https" exactly when the connection is TLS (before any proxy header).
        var https = scheme == "https";
        var tls = https ? FeatureLookup.Optional<ITlsConnectionFeature>(features) : null;
        var remote = connection?.RemoteIpAddress;
        var remotePort = remote is null ? -1 : connection!.RemotePort;
        var trusted = _trust.Trusts(SocketPeer(features, remote));
        var hostHeader = headers.Host;
        // Without exactly one Host (an HTTP/1.0 request may have none) SERVER_NAME comes from the
        // listening socket, which the prototype's key does not name.
        var prototype = hostHeader.Count == 1 && hostHeader[0] is { Length: > 0 } host
            ? PrototypeFor(new EnvironPrototypeKey(request.Method, request.RawTarget, request.Protocol, host, remote, https), hostHeader, connection)
            : 0;
        var env = Py.Check(CApi.PyDict_Copy(prototype != 0 ? prototype : https ? runtime.HttpsTemplate : runtime.HttpTemplate));
        try
        {
            if (prototype == 0)
            {
                SetRequestLine(env, request.Method, request.RawTarget, request.Protocol);
            }
            Put(env, _keys.WsgiInput, input);
            // The prototype's HTTP_HOST is already there, and a header whose key is present is skipped.
            var forwardedFor = SetHeaders(env, headers, trusted);
            var socketScheme = scheme;
            var socketPeer = remote;
            if (trusted)
            {
                if (_schemeValuesSeen)
                {
                    scheme = SchemeFromProxy(env, scheme);
                }
                if (forwardedFor.Count > 0 && ForwardedFor.TryFindClient(forwardedFor, _trust, out var client, out var clientPort))
                {
                    // The proxy's own port would not belong to the client, so REMOTE_PORT is left
                    // out unless the proxy gave the client's.
                    remote = client;
                    remotePort = clientPort;
                }
            }
            if (prototype == 0 || scheme != socketScheme)
            {
                SetServer(env, hostHeader, scheme, connection);
            }
            if (prototype == 0 || !ReferenceEquals(remote, socketPeer))
            {
                SetRemoteAddress(env, remote);
            }
            SetRemotePort(env, remotePort);
            if (tls is not null)
            {
                SetTls(env, tls, FeatureLookup.Optional<ITlsHandshakeFeature>(features));
            }
            return env;
        }
        catch
        {
            Py.DecRef(env);
            throw;
        }
    }

    /// <summary>
    /// The environ prototype for <paramref name="key"/> (a borrowed reference), made anew when the
    /// request before had another: the template with the request line, HTTP_HOST, SERVER_NAME,
    /// SERVER_PORT and REMOTE_ADDR set. A keep-alive client asking for the same URL again (a load
    /// generator, a health check, a poll) then gets its environ with eight dict insertions fewer;
    /// a request that differs costs one dict copy more.
    /// </summary>
    private nint PrototypeFor(in EnvironPrototypeKey key, StringValues hostHeader, IHttpConnectionFeature? connection)
    {
        if (_prototype != 0 && _prototypeKey.Matches(key))
        {
            return _prototype;
        }
        var prototype = Py.Check(CApi.PyDict_Copy(key.Https ? runtime.HttpsTemplate : runtime.HttpTemplate));
        try
        {
            SetRequestLine(prototype, key.Method, key.Target, key.Protocol);
            Set(prototype, _hostKey, _values.Get(key.Host));
            SetServer(prototype, hostHeader, key.Https ? "https" : "http", connection);
            SetRemoteAddress(prototype, key.Peer);
        }
        catch
        {
            Py.DecRef(prototype);
            throw;
        }
        Py.XDecRef(_prototype);
        (_prototype, _prototypeKey) = (prototype, key);
        return prototype;
    }

    private void SetRequestLine(nint env, string method, string target, string protocol)
    {
        Set(env, _keys.RequestMethod, Method(method));
        SetTarget(env, target);
        Set(env, _keys.ServerProtocol, Protocol(protocol));
    }

    /// <summary>
    /// The scheme a trusted proxy's secure scheme headers (found by <see cref="SetHeaders"/>) give,
    /// with wsgi.url_scheme changed to it; <paramref name="scheme"/> when they name none.
    /// </summary>
    private string SchemeFromProxy(nint env, string scheme)
    {
        var forwarded = _schemeHeaders.Resolve(_schemeValues) switch
        {
            ForwardedScheme.Https => "https",
            ForwardedScheme.Http => "http",
            ForwardedScheme.Contradictory => throw new RequestRejectedException(StatusCodes.Status400BadRequest,
                $"contradictory secure scheme headers (--secure-scheme-headers {_schemeHeaders.Text})"),
            _ => scheme,
        };
        if (forwarded != scheme)
        {
            Put(env, _keys.WsgiUrlScheme, forwarded == "https" ? _keys.Https : _keys.Http);
        }
        return forwarded;
    }

    /// <summary>
    /// The peer whose trust counts: the socket's, which behind a PROXY protocol header is the proxy
    /// that sent it rather than the client it named. Null for a unix-socket peer.
    /// </summary>
    private IPAddress? SocketPeer(IFeatureCollection features, IPAddress? remote) =>
        _proxyProtocol && FeatureLookup.Optional<ProxiedConnection>(features) is { } proxied ? proxied.ProxyAddress : remote;

    /// <summary>
    /// Sets a key of the environ being built, without the GC transition of an ordinary C-API call:
    /// the environ (or prototype) is a fresh copy no Python code has seen, every key is an interned
    /// str (its hash already computed), and a value replaced is None, a constant the runtime keeps or
    /// a str the prototype and this builder's caches keep, so the call runs no Python code and frees
    /// nothing (<see cref="CApi.PyDict_SetItemLeaf"/>).
    /// </summary>
    private static void Put(nint env, nint key, nint value) => Py.Check(CApi.PyDict_SetItemLeaf(env, key, value));

    /// <summary>Sets a key to a value whose reference the environ takes over (see <see cref="Put"/>); a borrowed constant is passed with its own reference added.</summary>
    private static void Set(nint env, nint key, nint newValue)
    {
        var status = CApi.PyDict_SetItemLeaf(env, key, newValue);
        Py.DecRef(newValue);
        Py.Check(status);
    }

    private nint Method(string method)
    {
        var cached = method switch
        {
            "GET" => _keys.Get,
            "POST" => _keys.Post,
            "HEAD" => _keys.Head,
            "PUT" => _keys.Put,
            "DELETE" => _keys.Delete,
            "PATCH" => _keys.Patch,
            "OPTIONS" => _keys.Options,
            _ => 0,
        };
        return cached != 0 ? Py.NewRef(cached) : Py.NewString(method);
    }

    private nint Protocol(string protocol)
    {
        if (ReferenceEquals(protocol, HttpProtocol.Http11) || protocol == HttpProtocol.Http11)
        {
            return Py.NewRef(_keys.Http11);
        }
        if (protocol == HttpProtocol.Http10)
        {
            return Py.NewRef(_keys.Http10);
        }
        if (protocol == HttpProtocol.Http2)
        {
            return Py.NewRef(_keys.Http2);
        }
        return Py.NewString(protocol);
    }

    private void SetTarget(nint env, string target)
    {
        if (!string.Equals(target, _target, StringComparison.Ordinal))
        {
            var rawUri = Py.NewString(target);
            nint pathInfo = 0;
            try
            {
                pathInfo = NewPathInfo(target, out var query);
                var queryString = query < 0 || query == target.Length - 1
                    ? Py.NewRef(_keys.Empty)
                    : Py.NewString(target.AsSpan(query + 1));
                Py.XDecRef(_rawUri);
                Py.XDecRef(_pathInfo);
                Py.XDecRef(_queryString);
                (_target, _rawUri, _pathInfo, _queryString) = (target, rawUri, pathInfo, queryString);
            }
            catch
            {
                // The previous target's strings stay in place, consistent with _target.
                Py.DecRef(rawUri);
                Py.XDecRef(pathInfo);
                throw;
            }
        }
        Put(env, _keys.RawUri, _rawUri);
        Put(env, _keys.PathInfo, _pathInfo);
        Put(env, _keys.QueryString, _queryString);
    }

    /// <summary>PATH_INFO of <paramref name="target"/>: percent-decoded, as latin-1, below SCRIPT_NAME; <paramref name="query"/> is where '?' is (-1: none).</summary>
    private nint NewPathInfo(string target, out int query)
    {
        RequestTarget.Split(target, out var start, out var pathEnd, out query, out var emptyAbsolute);
        var path = emptyAbsolute ? "/" : target.AsSpan(start, pathEnd - start);
        byte[]? rented = null;
        var decoded = path.Length <= 1024 ? stackalloc byte[path.Length] : (rented = ArrayPool<byte>.Shared.Rent(path.Length));
        try
        {
            var length = RequestTarget.PercentDecode(path, decoded);
            return Py.NewLatin1String(RequestTarget.StripScriptName(decoded[..length], _scriptName));
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }

    /// <summary>
    /// Puts the request headers into the environ. From a <paramref name="trusted"/> proxy it also
    /// keeps the lines of the secure scheme headers (in <see cref="_schemeValues"/>) and returns
    /// those of X-Forwarded-For: they are found by their environ key, an interned str compared by
    /// address, where a lookup by name would compare it case-insensitively with Kestrel's names.
    /// </summary>
    private StringValues SetHeaders(nint env, IHeaderDictionary headers, bool trusted)
    {
        StringValues forwardedFor = default;
        if (_schemeValuesSeen)
        {
            _schemeValues.AsSpan().Clear();
            _schemeValuesSeen = false;
        }
        // Copied out rather than enumerated: Kestrel's header enumerator is a struct boxed behind
        // IEnumerable, an allocation and three interface calls a header. The array keeps the last
        // request's strings until they are overwritten; it only ever grows to the most headers seen.
        var count = headers.Count;
        if (_requestHeaders.Length < count)
        {
            _requestHeaders = new KeyValuePair<string, StringValues>[Math.Max(count, _requestHeaders.Length * 2)];
        }
        headers.CopyTo(_requestHeaders, 0);
        for (var h = 0; h < count; h++)
        {
            var header = _requestHeaders[h];
            if (!HeaderFieldLimit.Fits(header.Key, header.Value, _maxHeaderFieldSize))
            {
                throw HeaderFieldLimit.Rejection(header.Key, _maxHeaderFieldSize);
            }
            var key = HeaderKey(header.Key, out var owned);
            if (key == 0)
            {
                continue;
            }
            var values = header.Value;
            if (trusted)
            {
                if (key == _forwardedForKey)
                {
                    forwardedFor = values;
                }
                for (var i = 0; i < _schemeKeys.Length; i++)
                {
                    if (key == _schemeKeys[i])
                    {
                        _schemeValues[i] = values;
                        _schemeValuesSeen = true;
                    }
                }
            }
            string text;
            if (values.Count == 1)
            {
                text = values[0] ?? "";
            }
            else
            {
                var separator = header.Key.Equals("Cookie", StringComparison.OrdinalIgnoreCase) ? "; " : ",";
                text = string.Join(separator, (IEnumerable<string?>)values);
            }
            var existing = CApi.PyDict_GetItemWithErrorLeaf(env, key);
            if (existing != 0)
            {
                // Two names map to one key only when they differ in case; keep the first.
                if (owned)
                {
                    Py.DecRef(key);
                }
                continue;
            }
            Set(env, key, _values.Get(text));
            if (owned)
            {
                Py.DecRef(key);
            }
        }
        return forwardedFor;
    }

    /// <summary>The environ key for a header name (HTTP_X_FOO, CONTENT_TYPE...), or 0 for names that are dropped.</summary>
    private nint HeaderKey(string name, out bool owned)
    {
        owned = false;
        var recent = (name.Length * 7 + (name.Length > 0 ? name[0] : 0)) & (_recentNames.Length - 1);
        if (ReferenceEquals(_recentNames[recent], name))
        {
            return _recentKeys[recent];
        }
        if (_headerKeys.TryGetValue(name, out var key))
        {
            (_recentNames[recent], _recentKeys[recent]) = (name, key);
            return key;
        }
        key = MakeHeaderKey(name, _keys);
        if (_headerKeys.Count < MaxCachedHeaderKeys)
        {
            _headerKeys[name] = key;
        }
        else
        {
            owned = key != 0;
        }
        return key;
    }

    private static nint[] SchemeKeys(SecureSchemeHeaders headers, EnvironKeys keys)
    {
        var schemeKeys = new nint[headers.Count];
        for (var i = 0; i < schemeKeys.Length; i++)
        {
            schemeKeys[i] = MakeHeaderKey(headers.Name(i), keys);
        }
        return schemeKeys;
    }

    private static nint MakeHeaderKey(string name, EnvironKeys keys)
    {
        if (name.Contains('_'))
        {
            return 0;
        }
        if (name.Equals(ContentHeaders[0], StringComparison.OrdinalIgnoreCase))
        {
            return Py.NewRef(keys.ContentType);
        }
        if (name.Equals(ContentHeaders[1], StringComparison.OrdinalIgnoreCase))
        {
            return Py.NewRef(keys.ContentLength);
        }
        Span<char> buffer = stackalloc char[name.Length + 5];
        "HTTP_".CopyTo(buffer);
        for (var i = 0; i < name.Length; i++)
        {
            var c = name[i];
            buffer[5 + i] = c == '-' ? '_' : char.ToUpperInvariant(c);
        }
        return Py.NewInternedString(new string(buffer));
    }

    private void SetServer(nint env, StringValues hostHeader, string scheme, IHttpConnectionFeature? connection)
    {
        var host = hostHeader.Count > 0 ? hostHeader[0] : null;
        var defaultPort = scheme == "https" ? _keys.Port443 : _keys.Port80;
        if (string.IsNullOrEmpty(host))
        {
            if (connection?.LocalIpAddress is { } local)
            {
                if (local.IsIPv4MappedToIPv6)
                {
                    // An IPv4 client of a dual-stack listener: the server's address, like REMOTE_ADDR, is plain IPv4.
                    local = local.MapToIPv4();
                }
                Set(env, _keys.ServerName, Py.NewString(local.ToString()));
                Set(env, _keys.ServerPort, Py.NewString(connection.LocalPort.ToString(System.Globalization.CultureInfo.InvariantCulture)));
            }
            else
            {
                Put(env, _keys.ServerName, _keys.Localhost);
                Put(env, _keys.ServerPort, defaultPort);
            }
            return;
        }
        var https = scheme == "https";
        if (!string.Equals(host, _host, StringComparison.Ordinal) || https != _hostHttps)
        {
            nint name, port;
            var colon = host.LastIndexOf(':');
            if (colon > 0 && host.IndexOf(']', colon) < 0 && colon < host.Length - 1)
            {
                name = Py.NewString(host.AsSpan(0, colon));
                try
                {
                    port = Py.NewString(host.AsSpan(colon + 1));
                }
                catch
                {
                    Py.DecRef(name);
                    throw;
                }
            }
            else
            {
                name = Py.NewString(colon == host.Length - 1 ? host[..colon] : host);
                port = Py.NewRef(defaultPort);
            }
            Py.XDecRef(_serverName);
            Py.XDecRef(_serverPort);
            (_host, _hostHttps, _serverName, _serverPort) = (host, https, name, port);
        }
        Put(env, _keys.ServerName, _serverName);
        Put(env, _keys.ServerPort, _serverPort);
    }

    /// <summary>The variables mod_ssl gives apps behind Apache (and Werkzeug's server): HTTPS, SSL_PROTOCOL, SSL_CLIENT_*.</summary>
    private void SetTls(nint env, ITlsConnectionFeature tls, ITlsHandshakeFeature? handshake)
    {
        Put(env, _keys.HttpsVariable, _keys.On);
        var protocol = handshake?.Protocol switch
        {
            SslProtocols.Tls13 => _keys.Tls13,
            SslProtocols.Tls12 => _keys.Tls12,
            _ => 0,
        };
        if (protocol != 0)
        {
            Put(env, _keys.SslProtocol, protocol);
        }
        if (tls.ClientCertificate is not { } certificate)
        {
            Put(env, _keys.SslClientVerify, _keys.NoCertificate);
            return;
        }
        // A certificate that failed verification ends the handshake, so one that is here passed.
        Put(env, _keys.SslClientVerify, _keys.Success);
        if (!ReferenceEquals(certificate, _certificate))
        {
            var pem = Py.NewLatin1String(ClientCertificateText.Pem(certificate));
            var subject = Py.NewLatin1String(ClientCertificateText.DistinguishedName(certificate.SubjectName));
            var issuer = Py.NewLatin1String(ClientCertificateText.DistinguishedName(certificate.IssuerName));
            Py.XDecRef(_certificatePem);
            Py.XDecRef(_certificateSubject);
            Py.XDecRef(_certificateIssuer);
            (_certificate, _certificatePem, _certificateSubject, _certificateIssuer) = (certificate, pem, subject, issuer);
        }
        Put(env, _keys.SslClientCert, _certificatePem);
        Put(env, _keys.SslClientSubject, _certificateSubject);
        Put(env, _keys.SslClientIssuer, _certificateIssuer);
    }

    /// <summary>REMOTE_ADDR: the client's address, or an empty string for a unix-socket peer.</summary>
    private void SetRemoteAddress(nint env, IPAddress? address)
    {
        if (address is null)
        {
            // A unix-socket peer has no address; Gunicorn passes an empty string too.
            Put(env, _keys.RemoteAddr, _keys.Empty);
            return;
        }
        if (!ReferenceEquals(address, _remote) && !address.Equals(_remote))
        {
            Span<char> text = stackalloc char[64];
            var shown = address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;
            var formatted = shown.TryFormat(text, out var length) ? Py.NewString(text[..length]) : Py.NewString(shown.ToString());
            Py.XDecRef(_remoteAddr);
            (_remote, _remoteAddr) = (address, formatted);
        }
        Put(env, _keys.RemoteAddr, _remoteAddr);
    }

    /// <summary>REMOTE_PORT, when the client's <paramref name="port"/> is known (-1: a unix-socket peer, or a proxy that named none).</summary>
    private void SetRemotePort(nint env, int port)
    {
        if (port < 0)
        {
            return;
        }
        Span<char> text = stackalloc char[16];
        var slot = (port & (RemotePortSets - 1)) * 2;
        if (_remotePorts[slot] != port)
        {
            if (_remotePorts[slot + 1] == port)
            {
                slot++;
            }
            else
            {
                // The older string of the set goes; the newer moves into its place.
                port.TryFormat(text, out var written, default, System.Globalization.CultureInfo.InvariantCulture);
                var formatted = Py.NewString(text[..written]);
                Py.XDecRef(_remotePortTexts[slot + 1]);
                (_remotePorts[slot + 1], _remotePortTexts[slot + 1]) = (_remotePorts[slot], _remotePortTexts[slot]);
                (_remotePorts[slot], _remotePortTexts[slot]) = (port, formatted);
            }
        }
        Put(env, _keys.RemotePort, _remotePortTexts[slot]);
    }

    private static int[] NoPorts()
    {
        var ports = new int[RemotePortSets * 2];
        Array.Fill(ports, -1);
        return ports;
    }
}
