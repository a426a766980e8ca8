namespace Dram.Tests.Infrastructure;

/// <summary>The curl command (HTTP/2 over TLS by ALPN, h2c with prior knowledge, client certificates).</summary>
public static class Curl
{
    /// <summary>Runs curl -sS with these arguments; its exit code and output (the body, or the error).</summary>
    public static Task<(int ExitCode, string Output)> RunAsync(params string[] args) =>
        ExternalCommand.RunAsync("curl", ["-sS", "--max-time", "60", .. args]);

    /// <summary>Runs curl and fails the test unless it succeeds; returns what it printed.</summary>
    public static async Task<string> GetAsync(params string[] args)
    {
        var (exitCode, output) = await RunAsync(args);
        Assert.True(exitCode == 0, $"curl {string.Join(' ', args)} exited with {exitCode}: {output}");
        return output;
    }
}
