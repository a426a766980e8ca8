using System.Net;
using System.Text;
using System.Text.Json;
using Dram.Tests.Infrastructure;

namespace Dram.Tests;

/// <summary>A real Flask application served by dram with /usr/bin/python3.</summary>
public sealed class FlaskTests(FlaskSite site) : IClassFixture<FlaskSite>
{
    [PythonFact(PythonInterpreters.SystemLabel, "flask")]
    public async Task GetReturnsText()
    {
        var dram = await site.GetAsync();
        var response = await RawHttpConnection.ExchangeAsync(dram.Port, "GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
        Assert.Equal(200, response.StatusCode);
        Assert.Equal("text/plain; charset=utf-8", response.Header("Content-Type"));
        Assert.Equal("16", response.Header("Content-Length"));
        Assert.Equal("Hello from Flask", response.BodyText);
    }

    [PythonFact(PythonInterpreters.SystemLabel, "flask")]
    public async Task FormPostIsParsed()
    {
        using var client = await ClientAsync();
        using var form = new FormUrlEncodedContent([new("tag", "a"), new("tag", "b"), new("name", "Zoë & co")]);
        using var response = await client.PostAsync("/form?source=test", form);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal(["a", "b"], body.GetProperty("fields").GetProperty("tag").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal("Zoë & co", body.GetProperty("fields").GetProperty("name")[0].GetString());
        Assert.Equal("test", body.GetProperty("args").GetProperty("source").GetString());
    }

    [PythonFact(PythonInterpreters.SystemLabel, "flask")]
    public async Task JsonPostIsEchoedWithCreatedStatus()
    {
        var dram = await site.GetAsync();
        using var client = await ClientAsync();
        using var content = new StringContent("{\"items\": [1, 2.5, \"three\"], \"nested\": {\"ok\": true}}", Encoding.UTF8, "application/json");
        using var response = await client.PostAsync("/json", content);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal("[1,2.5,\"three\"]", JsonSerializer.Serialize(body.GetProperty("received").GetProperty("items")));
        Assert.True(body.GetProperty("received").GetProperty("nested").GetProperty("ok").GetBoolean());
        Assert.Equal($"http://127.0.0.1:{dram.Port}/json", body.GetProperty("url").GetString());
    }

    [PythonFact(PythonInterpreters.SystemLabel, "flask")]
    public async Task StreamingResponseIsChunkedAndTheGeneratorRunsToItsEnd()
    {
        var dram = await site.GetAsync();
        using var connection = await RawHttpConnection.OpenAsync(dram.Port);
        await connection.SendAsync("GET /stream?count=1500 HTTP/1.1\r\nHost: localhost\r\n\r\n");
        var response = await connection.ReadResponseAsync();
        Assert.Equal(200, response.StatusCode);
        Assert.True(response.Chunked);
        Assert.Null(response.Header("Content-Length"));
        var lines = response.BodyText.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(1500, lines.Length);
        Assert.Equal("chunk 0 of 1500", lines[0]);
        Assert.Equal("chunk 1499 of 1500", lines[^1]);

        // Same keep-alive connection: the generator ran to its finally block before the next request.
        await connection.SendAsync("GET /stream-closed HTTP/1.1\r\nHost: localhost\r\n\r\n");
        var closed = JsonDocument.Parse((await connection.ReadResponseAsync()).Body).RootElement.GetProperty("closed");
        Assert.Contains(1500, closed.EnumerateArray().Select(e => e.GetInt32()));
    }

    [PythonFact(PythonInterpreters.SystemLabel, "flask")]
    public async Task UnknownRouteIs404AndAbortIsItsStatus()
    {
        using var client = await ClientAsync();
        using (var missing = await client.GetAsync("/does-not-exist"))
        {
            Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
            Assert.Contains("Not Found", await missing.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }
        using (var methodNotAllowed = await client.PostAsync("/", new StringContent("")))
        {
            Assert.Equal(HttpStatusCode.MethodNotAllowed, methodNotAllowed.StatusCode);
            Assert.Contains("GET", methodNotAllowed.Content.Headers.Allow);
        }
        using var forbidden = await client.GetAsync("/forbidden");
        Assert.Equal(HttpStatusCode.Forbidden, forbidden.StatusCode);
    }

    [PythonFact(PythonInterpreters.SystemLabel, "flask")]
    public async Task ViewErrorIs500WithTracebackInTheLogAndServingContinues()
    {
        var dram = await site.GetAsync();
        using var client = await ClientAsync();
        using (var crash = await client.GetAsync("/crash"))
        {
            Assert.Equal(HttpStatusCode.InternalServerError, crash.StatusCode);
            Assert.Contains("Internal Server Error", await crash.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }
        Assert.True(await dram.WaitForOutputAsync("KeyError: 'deliberate failure in a Flask view'"), dram.Output);
        Assert.Contains("Exception on /crash [GET]", dram.Output, StringComparison.Ordinal);
        using var after = await client.GetAsync("/");
        Assert.Equal(HttpStatusCode.OK, after.StatusCode);
    }

    private async Task<HttpClient> ClientAsync() =>
        new(new SocketsHttpHandler { AllowAutoRedirect = false })
        {
            BaseAddress = new Uri($"http://127.0.0.1:{(await site.GetAsync()).Port}"),
            Timeout = TimeSpan.FromSeconds(60),
        };
}
