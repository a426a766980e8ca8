using System.Text.Json;

namespace Dram.Tests.Infrastructure;

/// <summary>The environ as tests/apps/environ_probe.py reported it: str/bool/int values and every value's type name.</summary>
public sealed class EnvironReport
{
    private readonly JsonElement _root;

    private EnvironReport(JsonElement root, string json)
    {
        _root = root;
        Json = json;
    }

    /// <summary>The whole report, for assertion messages.</summary>
    public string Json { get; }

    public static EnvironReport From(RawResponse response)
    {
        Assert.True(response.StatusCode == 200, $"expected 200 from environ_probe, got {response.StatusLine}: {response.BodyText}");
        return new EnvironReport(JsonDocument.Parse(response.Body).RootElement.Clone(), response.BodyText);
    }

    /// <summary>Parses a report fetched by another client (curl, nghttp, HttpClient).</summary>
    public static EnvironReport FromJson(string json) => new(JsonDocument.Parse(json).RootElement.Clone(), json);

    /// <summary>Sends one raw request on a new connection and parses the report.</summary>
    public static async Task<EnvironReport> FetchAsync(int port, string request) =>
        From(await RawHttpConnection.ExchangeAsync(port, request));

    /// <summary>type(environ).__name__.</summary>
    public string EnvironType => _root.GetProperty("environ_type").GetString()!;

    /// <summary>type(environ) is dict.</summary>
    public bool EnvironIsDict => _root.GetProperty("environ_is_dict").GetBoolean();

    /// <summary>repr(environ['wsgi.version']).</summary>
    public string WsgiVersionRepr => _root.GetProperty("wsgi_version").GetString()!;

    public bool FileWrapperCallable => _root.GetProperty("file_wrapper_callable").GetBoolean();

    public IReadOnlyList<string> InputMethods => Names("input_methods");

    public IReadOnlyList<string> ErrorsMethods => Names("errors_methods");

    /// <summary>Every environ key.</summary>
    public IReadOnlyList<string> Keys => _root.GetProperty("types").EnumerateObject().Select(p => p.Name).ToList();

    public bool Has(string key) => _root.GetProperty("types").TryGetProperty(key, out _);

    /// <summary>type(environ[key]).__name__.</summary>
    public string TypeOf(string key) =>
        _root.GetProperty("types").TryGetProperty(key, out var type) ? type.GetString()! : throw Missing(key);

    /// <summary>environ[key], which must be a str.</summary>
    public string Str(string key)
    {
        if (!_root.GetProperty("values").TryGetProperty(key, out var value))
        {
            throw Missing(key);
        }
        Assert.True(value.ValueKind == JsonValueKind.String, $"environ['{key}'] is not a str: {value}");
        return value.GetString()!;
    }

    /// <summary>environ.get(key), which must be a str when present.</summary>
    public string? StrOrNull(string key) => Has(key) ? Str(key) : null;

    /// <summary>environ[key], which must be a bool.</summary>
    public bool Flag(string key)
    {
        Assert.Equal("bool", TypeOf(key));
        return _root.GetProperty("values").GetProperty(key).GetBoolean();
    }

    private IReadOnlyList<string> Names(string property) =>
        _root.GetProperty(property).EnumerateArray().Select(e => e.GetString()!).ToList();

    private Xunit.Sdk.XunitException Missing(string key) => new($"environ has no key '{key}'; the report was: {Json}");
}
