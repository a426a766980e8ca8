using System.Text.Json;
using Dram.Tests.Infrastructure;

namespace Dram.Tests;

public sealed class SmokeTests
{
    [Fact]
    public async Task ServesHelloExampleOverKeepAlive()
    {
        await using var dram = await DramProcess.StartAsync("hello:application", chdir: Path.Combine(Repo.Examples, "hello"));
        using var connection = await RawHttpConnection.OpenAsync(dram.Port);
        for (var i = 0; i < 3; i++)
        {
            await connection.SendAsync("GET / HTTP/1.1\r\nHost: localhost\r\n\r\n");
            var response = await connection.ReadResponseAsync();
            Assert.Equal(200, response.StatusCode);
            Assert.Equal("Hello, World!", response.BodyText);
            Assert.Equal("13", response.Header("Content-Length"));
        }
    }

    [Fact]
    public async Task EnvironIsAPlainDictWithCgiKeys()
    {
        await using var dram = await DramProcess.StartAsync("echo:application");
        var response = await RawHttpConnection.ExchangeAsync(dram.Port,
            "POST /a%20b/c?x=1&y=%20 HTTP/1.1\r\nHost: example.com:8080\r\nContent-Type: text/plain\r\nContent-Length: 5\r\nX-Custom: one\r\nX-Custom: two\r\nX-Auth_User: spoof\r\nConnection: close\r\n\r\nhello");
        Assert.Equal(200, response.StatusCode);
        var environ = JsonDocument.Parse(response.Body).RootElement;
        Assert.Equal("dict", environ.GetProperty("environ_type").GetString());
        Assert.Equal("POST", environ.GetProperty("REQUEST_METHOD").GetString());
        Assert.Equal("/a b/c", environ.GetProperty("PATH_INFO").GetString());
        Assert.Equal("x=1&y=%20", environ.GetProperty("QUERY_STRING").GetString());
        Assert.Equal("example.com", environ.GetProperty("SERVER_NAME").GetString());
        Assert.Equal("8080", environ.GetProperty("SERVER_PORT").GetString());
        Assert.Equal("text/plain", environ.GetProperty("CONTENT_TYPE").GetString());
        Assert.Equal("5", environ.GetProperty("CONTENT_LENGTH").GetString());
        Assert.Equal("one,two", environ.GetProperty("HTTP_X_CUSTOM").GetString());
        Assert.Equal("127.0.0.1", environ.GetProperty("REMOTE_ADDR").GetString());
        Assert.Equal(5, environ.GetProperty("body_length").GetInt32());
        Assert.False(environ.TryGetProperty("HTTP_CONTENT_TYPE", out _));
        Assert.False(environ.TryGetProperty("HTTP_CONTENT_LENGTH", out _));
        Assert.False(environ.TryGetProperty("HTTP_X_AUTH_USER", out _));
        Assert.Equal("http", environ.GetProperty("wsgi.url_scheme").GetString());
        Assert.True(environ.GetProperty("wsgi.input_terminated").GetBoolean());
    }
}
