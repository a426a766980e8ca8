namespace Dram.Tests.Responses;

/// <summary>A file with known content for the server to send; deleted on dispose.</summary>
public sealed class TempFile : IDisposable
{
    public TempFile(byte[] content)
    {
        Content = content;
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"dram-test-{Guid.NewGuid():N}.bin");
        File.WriteAllBytes(Path, content);
    }

    public string Path { get; }

    public byte[] Content { get; }

    /// <summary>The path as a query-string value.</summary>
    public string Query => Uri.EscapeDataString(Path);

    public static TempFile Random(int size)
    {
        var content = new byte[size];
        new Random(size).NextBytes(content);
        return new TempFile(content);
    }

    public void Dispose() => File.Delete(Path);
}
