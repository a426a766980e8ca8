using System.Security.Cryptography.X509Certificates;
using Dram.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Dram.Tests.Tls;

/// <summary>
/// Certificates are read again on SIGHUP: the rolling reload's new workers load the files as they
/// are now, while connections open on the old workers finish their requests. A certificate that
/// cannot be loaded cancels the reload and the running workers keep serving.
/// </summary>
[Collection(LifecycleCollection.Name)]
public sealed class CertificateReloadTests(ITestOutputHelper output) : IAsyncLifetime
{
    private readonly TestCertificates _pki = new();

    private string Live => _pki.PathOf("live.pem");

    public async Task InitializeAsync()
    {
        await _pki.InitializeAsync();
        await _pki.IssueServerAsync("renewed", "renewed.dram.test");
        File.Copy(_pki.ServerCombined, Live);
    }

    [Fact]
    public async Task NewConnectionsGetTheRenewedCertificateWhileAnOpenConnectionFinishes()
    {
        await using var dram = await DramProcess.StartAsync("http2_probe:application", ["--certfile", Live, "--threads", "2"]);
        try
        {
            var release = _pki.PathOf("release");
            using var open = await RawHttpConnection.OpenTlsAsync(dram.Port);
            var oldPid = await PidAsync(open);
            Assert.Equal("CN=server.dram.test", Subject(open));
            await open.SendAsync($"GET /wait-for?path={release} HTTP/1.1\r\nHost: localhost\r\n\r\n");
            Assert.True(await dram.WaitForOutputAsync($"waiting for {release}", TimeSpan.FromSeconds(30)), dram.Output);

            Replace(Live, _pki.PathOf("renewed-combined.pem"));
            dram.Signal(UnixSignal.Hup);
            Assert.True(await dram.WaitForOutputAsync($"(pid {oldPid}) received term", TimeSpan.FromSeconds(60)), dram.Output);

            using var fresh = await RawHttpConnection.OpenTlsAsync(dram.Port);
            var newPid = await PidAsync(fresh);
            Assert.NotEqual(oldPid, newPid);
            Assert.Equal("CN=renewed.dram.test", Subject(fresh));

            await File.WriteAllTextAsync(release, "");
            var finished = await open.ReadResponseAsync(timeout: TimeSpan.FromSeconds(60));
            Assert.Equal(200, finished.StatusCode);
            Assert.Equal($"pid={oldPid}", finished.BodyText);
            Assert.Equal("CN=server.dram.test", Subject(open));
            Assert.True(await dram.WaitForOutputAsync($"(pid {oldPid}) stopped", TimeSpan.FromSeconds(60)), dram.Output);
            Assert.Contains("TLS certificate: CN=renewed.dram.test", dram.Output);
        }
        finally
        {
            output.WriteLine(dram.Output);
        }
    }

    [Fact]
    public async Task BrokenCertificateCancelsTheReloadAndTheWorkersKeepServing()
    {
        await using var dram = await DramProcess.StartAsync("http2_probe:application", ["--certfile", Live]);
        try
        {
            int pid;
            using (var before = await RawHttpConnection.OpenTlsAsync(dram.Port))
            {
                pid = await PidAsync(before);
            }

            await File.WriteAllTextAsync(Live, "-----BEGIN CERTIFICATE-----\nnot base64 at all\n");
            dram.Signal(UnixSignal.Hup);
            Assert.True(await dram.WaitForOutputAsync($"Reload cancelled: --certfile {Live}: no PEM certificate in the file", TimeSpan.FromSeconds(30)), dram.Output);

            using (var after = await RawHttpConnection.OpenTlsAsync(dram.Port))
            {
                Assert.Equal(pid, await PidAsync(after));
                Assert.Equal("CN=server.dram.test", Subject(after));
            }
            Assert.DoesNotContain("Booting worker 2", dram.Output);

            // Fixed, the next HUP goes through.
            Replace(Live, _pki.PathOf("renewed-combined.pem"));
            dram.Signal(UnixSignal.Hup);
            Assert.True(await dram.WaitForOutputAsync($"(pid {pid}) stopped", TimeSpan.FromSeconds(60)), dram.Output);
            using var fixedUp = await RawHttpConnection.OpenTlsAsync(dram.Port);
            Assert.NotEqual(pid, await PidAsync(fixedUp));
            Assert.Equal("CN=renewed.dram.test", Subject(fixedUp));
        }
        finally
        {
            output.WriteLine(dram.Output);
        }
    }

    private static async Task<int> PidAsync(RawHttpConnection connection)
    {
        await connection.SendAsync("GET /pid HTTP/1.1\r\nHost: localhost\r\n\r\n");
        var response = await connection.ReadResponseAsync();
        Assert.Equal(200, response.StatusCode);
        return int.Parse(response.BodyText["pid=".Length..]);
    }

    private static string Subject(RawHttpConnection connection) =>
        new X509Certificate2(connection.Tls!.RemoteCertificate!).Subject;

    /// <summary>Swaps a file's content in one step, as certbot's renewal does by moving a symlink.</summary>
    private static void Replace(string path, string source)
    {
        var staged = path + ".new";
        File.Copy(source, staged, overwrite: true);
        File.Move(staged, path, overwrite: true);
    }

    public Task DisposeAsync() => _pki.DisposeAsync();
}
