namespace Dram.Configuration;

/// <summary>The command line or a setting is wrong; the message names the setting, the value and the fix.</summary>
public sealed class UsageException(string message) : Exception(message);
