using System.Text.Json;

namespace Dram.Tests.Infrastructure;

/// <summary>What tests/apps/input_probe.py got back from each wsgi.input call, bytes given as latin-1 text.</summary>
public sealed class InputReport
{
    private readonly JsonElement _root;

    private InputReport(JsonElement root, string json)
    {
        _root = root;
        Json = json;
    }

    public string Json { get; }

    public static InputReport From(RawResponse response)
    {
        Assert.True(response.StatusCode == 200, $"expected 200 from input_probe, got {response.StatusLine}: {response.BodyText}");
        return new InputReport(JsonDocument.Parse(response.Body).RootElement.Clone(), response.BodyText);
    }

    public static async Task<InputReport> FetchAsync(int port, string request) =>
        From(await RawHttpConnection.ExchangeAsync(port, request));

    /// <summary>The bytes the call at <paramref name="index"/> returned, one char per byte.</summary>
    public string Bytes(int index)
    {
        var value = Results[index][1];
        Assert.True(value.ValueKind == JsonValueKind.String, $"call {index} returned a list, not bytes: {Json}");
        return value.GetString()!;
    }

    /// <summary>The lines (a list of bytes) the call at <paramref name="index"/> returned.</summary>
    public IReadOnlyList<string> Lines(int index)
    {
        var value = Results[index][1];
        Assert.True(value.ValueKind == JsonValueKind.Array, $"call {index} did not return a list: {Json}");
        return value.EnumerateArray().Select(e => e.GetString()!).ToList();
    }

    /// <summary>environ.get('CONTENT_LENGTH').</summary>
    public string? ContentLength => _root.GetProperty("content_length").GetString();

    /// <summary>environ.get('wsgi.input_terminated').</summary>
    public bool? InputTerminated => _root.GetProperty("input_terminated").ValueKind switch
    {
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        _ => null,
    };

    /// <summary>environ['PATH_INFO'], to tell pipelined requests apart.</summary>
    public string Path => _root.GetProperty("path").GetString()!;

    private List<JsonElement[]> Results =>
        _root.GetProperty("results").EnumerateArray().Select(r => r.EnumerateArray().ToArray()).ToList();
}
