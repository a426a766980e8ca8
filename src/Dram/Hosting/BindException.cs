namespace Dram.Hosting;

/// <summary>A listening socket could not be opened; the message says which and why.</summary>
public sealed class BindException(string message) : Exception(message);
