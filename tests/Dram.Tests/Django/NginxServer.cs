using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Dram.Tests.Infrastructure;

namespace Dram.Tests.Django;

/// <summary>
/// Debian's nginx running examples/nginx/mysite.conf (derived by <see cref="NginxSiteConfig"/>)
/// inside a test-owned main configuration: a temporary prefix holding the pid file, logs, temp
/// paths and a self-signed certificate for 127.0.0.1, in the foreground as a child process.
/// </summary>
public sealed class NginxServer : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private NginxServer(Process process, string prefix, int httpPort, int httpsPort, X509Certificate2 certificate)
    {
        _process = process;
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
            var errorLog = Path.Combine(Prefix, "error.log");
            lock (_output)
            {
                return _output + (File.Exists(errorLog) ? File.ReadAllText(errorLog) : "");
            }
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

        var start = new ProcessStartInfo(nginx)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        // -e: the error log before the configuration is read (the default, /var/log/nginx, may not be writable).
        foreach (var arg in new[] { "-p", prefix, "-e", Path.Combine(prefix, "error.log"), "-c", config })
        {
            start.ArgumentList.Add(arg);
        }
        var process = new Process { StartInfo = start };
        var server = new NginxServer(process, prefix, httpPort, httpsPort, certificate);
        process.OutputDataReceived += (_, e) => server.Append(e.Data);
        process.ErrorDataReceived += (_, e) => server.Append(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        if (!await server.AcceptsAsync(httpsPort, TimeSpan.FromSeconds(15)))
        {
            var log = server.Log;
            await server.DisposeAsync();
            throw new InvalidOperationException("nginx did not start listening:\n" + log);
        }
        return server;
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

    private async Task<bool> AcceptsAsync(int port, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline && !_process.HasExited)
        {
            try
            {
                using var probe = new TcpClient();
                await probe.ConnectAsync(IPAddress.Loopback, port);
                return true;
            }
            catch (SocketException)
            {
                await Task.Delay(100);
            }
        }
        return false;
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }
        lock (_output)
        {
            _output.AppendLine(line);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            UnixSignal.Send(_process.Id, UnixSignal.Term);
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(15));
            try
            {
                await _process.WaitForExitAsync(cts.Token);
            }
            catch (OperationCanceledException)
            {
                _process.Kill(entireProcessTree: true);
            }
        }
        _process.Dispose();
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
