namespace Dram.Wsgi;

/// <summary>Python start-up helpers shipped inside the assembly (never run per request).</summary>
internal static class EmbeddedPython
{
    public static string Read(string name)
    {
        using var stream = typeof(EmbeddedPython).Assembly.GetManifestResourceStream(name)
            ?? throw new InvalidOperationException($"embedded resource {name} is missing from the build");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
