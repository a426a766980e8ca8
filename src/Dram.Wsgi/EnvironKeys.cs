using Dram.Python;

namespace Dram.Wsgi;

/// <summary>
/// Interned Python strings for every environ key and constant value the server sets, made once,
/// so a request builds its environ without creating a key string.
/// </summary>
internal sealed class EnvironKeys
{
    public readonly nint RequestMethod = Py.NewInternedString("REQUEST_METHOD");
    public readonly nint ScriptName = Py.NewInternedString("SCRIPT_NAME");
    public readonly nint PathInfo = Py.NewInternedString("PATH_INFO");
    public readonly nint QueryString = Py.NewInternedString("QUERY_STRING");
    public readonly nint RawUri = Py.NewInternedString("RAW_URI");
    public readonly nint ContentType = Py.NewInternedString("CONTENT_TYPE");
    public readonly nint ContentLength = Py.NewInternedString("CONTENT_LENGTH");
    public readonly nint ServerName = Py.NewInternedString("SERVER_NAME");
    public readonly nint ServerPort = Py.NewInternedString("SERVER_PORT");
    public readonly nint ServerProtocol = Py.NewInternedString("SERVER_PROTOCOL");
    public readonly nint ServerSoftware = Py.NewInternedString("SERVER_SOFTWARE");
    public readonly nint RemoteAddr = Py.NewInternedString("REMOTE_ADDR");
    public readonly nint RemotePort = Py.NewInternedString("REMOTE_PORT");
    public readonly nint WsgiVersion = Py.NewInternedString("wsgi.version");
    public readonly nint WsgiUrlScheme = Py.NewInternedString("wsgi.url_scheme");
    public readonly nint WsgiInput = Py.NewInternedString("wsgi.input");
    public readonly nint WsgiErrors = Py.NewInternedString("wsgi.errors");
    public readonly nint WsgiMultithread = Py.NewInternedString("wsgi.multithread");
    public readonly nint WsgiMultiprocess = Py.NewInternedString("wsgi.multiprocess");
    public readonly nint WsgiRunOnce = Py.NewInternedString("wsgi.run_once");
    public readonly nint WsgiFileWrapper = Py.NewInternedString("wsgi.file_wrapper");
    public readonly nint WsgiInputTerminated = Py.NewInternedString("wsgi.input_terminated");
    public readonly nint HttpsVariable = Py.NewInternedString("HTTPS");
    public readonly nint SslProtocol = Py.NewInternedString("SSL_PROTOCOL");
    public readonly nint SslClientVerify = Py.NewInternedString("SSL_CLIENT_VERIFY");
    public readonly nint SslClientCert = Py.NewInternedString("SSL_CLIENT_CERT");
    public readonly nint SslClientSubject = Py.NewInternedString("SSL_CLIENT_S_DN");
    public readonly nint SslClientIssuer = Py.NewInternedString("SSL_CLIENT_I_DN");

    public readonly nint Empty = Py.NewInternedString("");
    public readonly nint Http = Py.NewInternedString("http");
    public readonly nint Https = Py.NewInternedString("https");
    public readonly nint Http11 = Py.NewInternedString("HTTP/1.1");
    public readonly nint Http10 = Py.NewInternedString("HTTP/1.0");
    public readonly nint Http2 = Py.NewInternedString("HTTP/2");
    public readonly nint On = Py.NewInternedString("on");
    public readonly nint Tls12 = Py.NewInternedString("TLSv1.2");
    public readonly nint Tls13 = Py.NewInternedString("TLSv1.3");
    public readonly nint Success = Py.NewInternedString("SUCCESS");
    public readonly nint NoCertificate = Py.NewInternedString("NONE");
    public readonly nint Port80 = Py.NewInternedString("80");
    public readonly nint Port443 = Py.NewInternedString("443");
    public readonly nint Localhost = Py.NewInternedString("localhost");
    public readonly nint Get = Py.NewInternedString("GET");
    public readonly nint Post = Py.NewInternedString("POST");
    public readonly nint Head = Py.NewInternedString("HEAD");
    public readonly nint Put = Py.NewInternedString("PUT");
    public readonly nint Delete = Py.NewInternedString("DELETE");
    public readonly nint Patch = Py.NewInternedString("PATCH");
    public readonly nint Options = Py.NewInternedString("OPTIONS");
    public readonly nint Close = Py.NewInternedString("close");
    public readonly nint ExcInfo = Py.NewInternedString("exc_info");
    public readonly nint Read = Py.NewInternedString("read");
    public readonly nint Fileno = Py.NewInternedString("fileno");
    public readonly nint Tell = Py.NewInternedString("tell");
}
