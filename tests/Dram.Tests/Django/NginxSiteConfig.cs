using Dram.Tests.Infrastructure;

namespace Dram.Tests.Django;

/// <summary>
/// The server blocks of examples/nginx/mysite.conf with only the machine-specific parts replaced
/// (ports on 127.0.0.1, the socket, STATIC_ROOT, the certificate). Every replaced text must be
/// found, so the test follows the file and fails loudly when the file changes shape.
/// </summary>
public static class NginxSiteConfig
{
    public static string ExamplePath => Path.Combine(Repo.Examples, "nginx", "mysite.conf");

    public static string Derive(int httpPort, int httpsPort, string dramSocket, string staticRoot, string certificate, string key)
    {
        var text = File.ReadAllText(ExamplePath);
        (string From, string To)[] replacements =
        [
            ("listen 80;", $"listen 127.0.0.1:{httpPort};"),
            ("listen [::]:80;", ""),
            ("listen 443 ssl http2;", $"listen 127.0.0.1:{httpsPort} ssl http2;"),
            ("listen [::]:443 ssl http2;", ""),
            ("unix:/run/mysite/dram.sock", "unix:" + dramSocket),
            ("/srv/mysite/static/", staticRoot.TrimEnd('/') + "/"),
            ("/etc/letsencrypt/live/example.com/fullchain.pem", certificate),
            ("/etc/letsencrypt/live/example.com/privkey.pem", key),
        ];
        foreach (var (from, to) in replacements)
        {
            if (!text.Contains(from, StringComparison.Ordinal))
            {
                throw new InvalidOperationException($"{ExamplePath} no longer contains '{from}'; update the test's derivation");
            }
            text = text.Replace(from, to, StringComparison.Ordinal);
        }
        return text;
    }
}
