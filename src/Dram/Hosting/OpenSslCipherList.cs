using System.Net.Security;
using System.Runtime.InteropServices;
using Dram.Configuration;

namespace Dram.Hosting;

/// <summary>
/// Expands an OpenSSL cipher list (<c>--ciphers ECDHE+AESGCM:!aNULL</c>, the format Gunicorn passes
/// to Python's <c>SSLContext.set_ciphers</c>) into the cipher suites it selects, by asking the
/// OpenSSL library .NET itself uses. As with Python, the list governs TLS 1.2; the TLS 1.3 suites
/// stay OpenSSL's defaults.
/// </summary>
internal static unsafe class OpenSslCipherList
{
    private static readonly string[] LibraryNames = ["libssl.so.3", "libssl.so.1.1", "libssl.so"];

    public static IReadOnlyList<TlsCipherSuite> Expand(string cipherList)
    {
        var library = LoadLibrary();
        var serverMethod = (delegate* unmanaged<nint>)NativeLibrary.GetExport(library, "TLS_server_method");
        var newContext = (delegate* unmanaged<nint, nint>)NativeLibrary.GetExport(library, "SSL_CTX_new");
        var freeContext = (delegate* unmanaged<nint, void>)NativeLibrary.GetExport(library, "SSL_CTX_free");
        var setCipherList = (delegate* unmanaged<nint, byte*, int>)NativeLibrary.GetExport(library, "SSL_CTX_set_cipher_list");
        var getCiphers = (delegate* unmanaged<nint, nint>)NativeLibrary.GetExport(library, "SSL_CTX_get_ciphers");
        var protocolId = (delegate* unmanaged<nint, ushort>)NativeLibrary.GetExport(library, "SSL_CIPHER_get_protocol_id");
        // libcrypto's stack accessors resolve through libssl, which depends on it.
        var count = (delegate* unmanaged<nint, int>)NativeLibrary.GetExport(library, "OPENSSL_sk_num");
        var value = (delegate* unmanaged<nint, int, nint>)NativeLibrary.GetExport(library, "OPENSSL_sk_value");

        var context = newContext(serverMethod());
        if (context == 0)
        {
            throw new UsageException($"--ciphers {cipherList}: OpenSSL could not create a TLS context to read the cipher list");
        }
        try
        {
            var text = System.Text.Encoding.ASCII.GetBytes(cipherList + "\0");
            fixed (byte* p = text)
            {
                if (setCipherList(context, p) != 1)
                {
                    ClearErrors(library);
                    throw new UsageException($"--ciphers {cipherList}: OpenSSL selects no cipher suite from this list; "
                        + "write an OpenSSL cipher list such as ECDHE+AESGCM:ECDHE+CHACHA20 (see 'openssl ciphers -v LIST')");
                }
            }
            var stack = getCiphers(context);
            var suites = new List<TlsCipherSuite>();
            for (var i = 0; i < count(stack); i++)
            {
                suites.Add((TlsCipherSuite)protocolId(value(stack, i)));
            }
            return suites;
        }
        finally
        {
            freeContext(context);
        }
    }

    private static nint LoadLibrary()
    {
        foreach (var name in LibraryNames)
        {
            if (NativeLibrary.TryLoad(name, out var handle))
            {
                return handle;
            }
        }
        throw new UsageException("--ciphers needs the OpenSSL library (libssl.so.3), which could not be loaded; install libssl3");
    }

    private static void ClearErrors(nint library)
    {
        if (NativeLibrary.TryGetExport(library, "ERR_clear_error", out var clear))
        {
            ((delegate* unmanaged<void>)clear)();
        }
    }
}
