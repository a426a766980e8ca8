using Dram.Tests.Infrastructure;

namespace Dram.Tests.Tls;

/// <summary>
/// A TLS setting or file that cannot work stops dram before anything starts: exit code 2 and one
/// line naming the setting, the file and what to do, never a worker boot loop.
/// </summary>
public sealed class TlsStartupErrorTests(TestCertificates pki) : IClassFixture<TestCertificates>
{
    [Theory]
    [InlineData("missing file", "--certfile {dir}/nope.pem", "--certfile {dir}/nope.pem: no such file")]
    [InlineData("missing directory", "--certfile {dir}/gone/cert.pem", "--certfile {dir}/gone/cert.pem: no such file (its directory does not exist)")]
    [InlineData("a directory", "--certfile {dir} --keyfile {dir}/server.key", "--certfile {dir}: is a directory")]
    [InlineData("garbage certificate", "--certfile {dir}/garbage.pem --keyfile {dir}/server.key", "--certfile {dir}/garbage.pem: no PEM certificate in the file")]
    [InlineData("garbage key", "--certfile {dir}/server.pem --keyfile {dir}/garbage.pem", "--keyfile {dir}/garbage.pem: no PEM private key in the file")]
    [InlineData("no key anywhere", "--certfile {dir}/server.pem", "--certfile {dir}/server.pem: no private key in the file; give it with --keyfile")]
    [InlineData("key of another certificate", "--certfile {dir}/server.pem --keyfile {dir}/client.key", "--keyfile {dir}/client.key: the private key does not belong to the certificate CN=server.dram.test")]
    [InlineData("encrypted key", "--certfile {dir}/server.pem --keyfile {dir}/encrypted.key", "--keyfile {dir}/encrypted.key: the private key is encrypted")]
    [InlineData("client certificate as the server's", "--certfile {dir}/client.pem --keyfile {dir}/client.key", "the certificate CN=alice, O=\"Example, Inc.\", C=FR is not for servers")]
    [InlineData("garbage CA bundle", "--certfile {dir}/server-combined.pem --ca-certs {dir}/garbage.pem --cert-reqs 2", "--ca-certs {dir}/garbage.pem: no PEM certificate in the file")]
    [InlineData("cert-reqs out of range", "--certfile {dir}/server-combined.pem --cert-reqs 3", "--cert-reqs 3: must be 0 (no client certificate), 1 (optional")]
    [InlineData("cert-reqs not a number", "--certfile {dir}/server-combined.pem --cert-reqs required", "--cert-reqs required: must be 0")]
    [InlineData("unknown ssl-version", "--certfile {dir}/server-combined.pem --ssl-version SSLv3", "--ssl-version SSLv3: not a TLS version; use TLS")]
    [InlineData("client ssl-version", "--certfile {dir}/server-combined.pem --ssl-version TLS_CLIENT", "--ssl-version TLS_CLIENT: TLS_CLIENT is Python's protocol for client sockets")]
    [InlineData("cipher list matching nothing", "--certfile {dir}/server-combined.pem --ciphers NO-SUCH-CIPHER", "--ciphers NO-SUCH-CIPHER: OpenSSL selects no cipher suite from this list")]
    [InlineData("key without certificate", "--keyfile {dir}/server.key", "--keyfile needs --certfile")]
    [InlineData("CA bundle without certificate", "--ca-certs {dir}/client-ca.pem --cert-reqs 2", "--ca-certs needs --certfile")]
    [InlineData("only unix binds", "--certfile {dir}/server-combined.pem --bind unix:{dir}/app.sock", "every --bind is a unix socket, and unix sockets serve plain HTTP")]
    public async Task BadTlsSettingExitsTwoWithOneLineNamingIt(string problem, string arguments, string expected)
    {
        await WriteBrokenFilesAsync();
        var args = arguments.Replace("{dir}", pki.Directory).Split(' ').ToList();
        if (!args.Contains("--bind"))
        {
            args.AddRange(["--bind", $"127.0.0.1:{FreePort.Next()}"]);
        }

        var (exitCode, output) = await DramProcess.RunToExitAsync([.. args, "--chdir", Repo.Apps, "echo:application"], timeout: TimeSpan.FromSeconds(60));

        Assert.True(exitCode == 2, $"{problem}: exit code {exitCode}:\n{output}");
        var line = Assert.Single(output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        Assert.StartsWith("dram: error: ", line);
        Assert.Contains(expected.Replace("{dir}", pki.Directory), line);
    }

    [SkippableFact]
    public async Task UnreadableKeyFileIsNamedWithTheAccountThatCannotReadIt()
    {
        Skip.IfNot(CurrentUser.IsRoot, "switching to another account to make the key unreadable needs root");
        using var directory = new TemporaryDirectory("dram-unreadable-");
        File.SetUnixFileMode(directory.Path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
            | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
        var key = Path.Combine(directory.Path, "server.key");
        File.Copy(pki.ServerKey, key);
        File.SetUnixFileMode(key, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        var certificate = Path.Combine(directory.Path, "server.pem");
        File.Copy(pki.ServerFullChain, certificate);
        File.SetUnixFileMode(certificate, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.OtherRead);

        var (exitCode, output) = await ExternalCommand.RunAsync("setpriv",
            ["--reuid=65534", "--regid=65534", "--clear-groups", DramBinary.Path,
             "--bind", $"127.0.0.1:{FreePort.Next()}", "--certfile", certificate, "--keyfile", key, "--chdir", Repo.Apps, "echo:application"],
            timeout: TimeSpan.FromSeconds(60));

        Assert.True(exitCode == 2, $"exit code {exitCode}:\n{output}");
        Assert.Contains($"dram: error: --keyfile {key}: permission denied; dram (uid 65534) cannot read it", output);
    }

    private async Task WriteBrokenFilesAsync()
    {
        await File.WriteAllTextAsync(pki.PathOf("garbage.pem"), "this is not PEM\n");
        if (!File.Exists(pki.PathOf("encrypted.key")))
        {
            await pki.OpenSslAsync("pkey", "-in", "server.key", "-aes256", "-passout", "pass:secret", "-out", "encrypted.key");
        }
    }
}
