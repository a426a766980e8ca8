using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Dram.Tests.Infrastructure;

namespace Dram.Tests.Django;

/// <summary>
/// Debian's nginx running examples/nginx/mysite.conf (derived by <see cref="NginxSiteConfig"/>)
/// inside a test-owned main configuration: a temporary prefix holding the pid file, logs, temp
/// paths and a self-signed certificate for 127.0.0.1, in the foreground as a child process.
/// </summary>
public sealed class NginxServer : IAsyncDisposable
{
    private readonly ForegroundServer _server;

    private NginxServer(ForegroundServer server, string prefix, int httpPort, int httpsPort, X509Certificate2 certificate)
    {
        _server = server;
        Prefix = prefix;
        HttpPort = httpPort;
        HttpsPort = httpsPort;
        Certificate = certificate;
    }

    public string Prefix { get; }

    public int HttpPort { get; }

    public int HttpsPort { get; }

    /// <summary>The certificate nginx presents; clients accept exactly this one.</summary>
    public X509Certificate2 Certificate { get; }

    /// <summary>The error log and nginx's own output, for failure messages.</summary>
    public string Log
    {
        get
        {
            return _server.Output + ErrorLog(Prefix);
        }
    }

    public static async Task<NginxServer> StartAsync(string dramSocket, string staticRoot)
    {
        var prefix = Directory.CreateTempSubdirectory("dram-nginx-").FullName;
        var certificate = WriteCertificate(prefix);
        var httpPort = FreePort.Next();
        var httpsPort = FreePort.Next();
        var site = NginxSiteConfig.Derive(httpPort, httpsPort, dramSocket, staticRoot,
            Path.Combine(prefix, "cert.pem"), Path.Combine(prefix, "key.pem"));
        var config = Path.Combine(prefix, "nginx.conf");
        await File.WriteAllTextAsync(config, MainConfig(prefix, site));

        var nginx = HostTool.Nginx.Path;
        var (exitCode, check) = await ExternalCommand.RunAsync(nginx, ["-t", "-p", prefix, "-e", Path.Combine(prefix, "error.log"), "-c", config]);
        if (exitCode != 0)
        {
            throw new InvalidOperationException($"nginx -t rejected the configuration derived from {NginxSiteConfig.ExamplePath}:\n{check}\n{await File.ReadAllTextAsync(config)}");
        }

        // -e: the error log before the configuration is read (the default, /var/log/nginx, may not be writable).
        ForegroundServer server;
        try
        {
            server = await ForegroundServer.StartAsync(nginx, ["-p", prefix, "-e", Path.Combine(prefix, "error.log"), "-c", config], httpsPort,
                startTimeout: TimeSpan.FromSeconds(15));
        }
        catch (InvalidOperationException e)
        {
            var log = ErrorLog(prefix);
            certificate.Dispose();
            Directory.Delete(prefix, recursive: true);
            throw new InvalidOperationException($"nginx did not start listening:\n{e.Message}\n{log}");
        }
        return new NginxServer(server, prefix, httpPort, httpsPort, certificate);
    }

    private static string ErrorLog(string prefix)
    {
        var errorLog = Path.Combine(prefix, "error.log");
        return File.Exists(errorLog) ? File.ReadAllText(errorLog) : "";
    }

    /// <summary>
    /// What /etc/nginx/nginx.conf would give the site, with every path inside the prefix. Under
    /// root the workers stay root: they must read the test's private temporary directories and
    /// connect to Dram's socket in one.
    /// </summary>
    private static string MainConfig(string prefix, string site) => $$"""
        daemon off;
        {{(CurrentUser.IsRoot ? "user root;" : "")}}
        worker_processes 1;
        pid {{prefix}}/nginx.pid;
        error_log {{prefix}}/error.log info;
        events { worker_connections 256; }
        http {
            include /etc/nginx/mime.types;
            default_type application/octet-stream;
            sendfile on;
            access_log {{prefix}}/access.log;
            client_body_temp_path {{prefix}}/client_body;
            proxy_temp_path {{prefix}}/proxy;
            fastcgi_temp_path {{prefix}}/fastcgi;
            uwsgi_temp_path {{prefix}}/uwsgi;
            scgi_temp_path {{prefix}}/scgi;
        {{site}}
        }
        """;

    /// <summary>A self-signed certificate for 127.0.0.1 written as cert.pem and key.pem.</summary>
    private static X509Certificate2 WriteCertificate(string prefix)
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=127.0.0.1", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(names.Build());
        var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
        File.WriteAllText(Path.Combine(prefix, "cert.pem"), certificate.ExportCertificatePem());
        File.WriteAllText(Path.Combine(prefix, "key.pem"), key.ExportPkcs8PrivateKeyPem());
        return certificate;
    }

    public async ValueTask DisposeAsync()
    {
        await _server.DisposeAsync();
        Certificate.Dispose();
        try
        {
            Directory.Delete(Prefix, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
