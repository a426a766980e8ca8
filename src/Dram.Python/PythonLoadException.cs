namespace Dram.Python;

/// <summary>The interpreter could not be found, loaded or initialised; the message says what to do.</summary>
public sealed class PythonLoadException(string message) : Exception(message);
