namespace Dram.Wsgi;

/// <summary>The WSGI application could not be loaded; <see cref="Exception.Message"/> says why and what to do.</summary>
public sealed class AppLoadException(string message, string? pythonTraceback = null) : Exception(message)
{
    /// <summary>The Python traceback when the app's own code raised, else null.</summary>
    public string? PythonTraceback { get; } = pythonTraceback;
}
