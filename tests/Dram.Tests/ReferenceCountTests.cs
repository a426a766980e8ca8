using System.Net;
using System.Text.Json;
using Dram.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Dram.Tests;

/// <summary>
/// Dram changes reference counts in place where the interpreter's object layout allows it (3.10
/// and 3.11 plainly, 3.12 and 3.13 minding immortal objects), so every supported version is
/// checked: objects the app keeps and hands over on every request must have exactly the count
/// they had before, whichever way the response was made, and nothing may pile up.
/// </summary>
public sealed class ReferenceCountTests(ITestOutputHelper output)
{
    private const int Rounds = 300;

    /// <summary>
    /// One Python thread: its start_response text cache then holds the same str objects at every
    /// snapshot (the request sequence before each is the same), so every count must match exactly;
    /// with more threads, which thread last cached a str would decide its count.
    /// </summary>
    private const string Threads = "1";

    private static readonly string[] Paths =
        ["/list", "/same-result", "/kept-iterable", "/write", "/post", "/file", "/error", "/error-after-start"];

    [Theory]
    [PythonData("3.10")]
    [PythonData("3.11")]
    [PythonData("3.12")]
    [PythonData("3.13")]
    [PythonData(PythonInterpreters.SystemLabel)]
    public async Task ObjectsTheAppHandsOverKeepTheirReferenceCounts(string label)
    {
        var python = PythonInterpreters.Require(label);
        await using var dram = await DramProcess.StartAsync("refcount_probe:application", ["--python", python, "--threads", Threads]);
        using var client = new HttpClient { BaseAddress = new Uri(dram.BaseUrl), Timeout = TimeSpan.FromSeconds(30) };

        await DriveAsync(client, 5);
        var before = await RefsAsync(client);
        await DriveAsync(client, Rounds);
        var after = await RefsAsync(client);
        output.WriteLine($"{label}: before {JsonSerializer.Serialize(before)}");
        output.WriteLine($"{label}: after {Rounds} rounds {JsonSerializer.Serialize(after)}");

        foreach (var (name, count) in before)
        {
            if (name != "objects")
            {
                Assert.True(count == after[name], $"{name}: sys.getrefcount went from {count} to {after[name]} over {Rounds * Paths.Length} requests");
            }
        }
        var growth = after["objects"] - before["objects"];
        Assert.True(growth < 200, $"live Python objects grew by {growth} over {Rounds * Paths.Length} requests");
        Assert.False(dram.HasExited);
    }

    private static async Task DriveAsync(HttpClient client, int rounds)
    {
        for (var round = 0; round < rounds; round++)
        {
            foreach (var path in Paths)
            {
                using var response = path == "/post"
                    ? await client.PostAsync(path, new ByteArrayContent(new byte[3000]))
                    : await client.GetAsync(path);
                var body = await response.Content.ReadAsStringAsync();
                var expected = path.StartsWith("/error", StringComparison.Ordinal) ? HttpStatusCode.InternalServerError : HttpStatusCode.OK;
                Assert.True(response.StatusCode == expected, $"{path}: {(int)response.StatusCode} {body}");
            }
        }
    }

    private static async Task<Dictionary<string, long>> RefsAsync(HttpClient client)
    {
        var json = JsonDocument.Parse(await client.GetStringAsync("/refs")).RootElement;
        return json.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetInt64());
    }
}
