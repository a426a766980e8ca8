namespace Dram.Python;

/// <summary>A Python exception, fetched and formatted while the GIL was held.</summary>
public sealed class PythonException(string typeName, string message, string traceback) : Exception(message)
{
    /// <summary>The exception's class name, e.g. <c>ModuleNotFoundError</c>.</summary>
    public string TypeName { get; } = typeName;

    /// <summary>The whole formatted traceback as Python prints it.</summary>
    public string PythonTraceback { get; } = traceback;
}
