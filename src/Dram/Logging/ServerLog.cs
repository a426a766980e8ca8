using Microsoft.Extensions.Logging;

namespace Dram.Logging;

/// <summary>The server's own log lines, with fixed event ids.</summary>
internal static partial class ServerLog
{
    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "Starting dram {Version}")]
    public static partial void Starting(ILogger logger, string version);

    [LoggerMessage(EventId = 2, Level = LogLevel.Information, Message = "Python {PythonVersion} ({Executable}; libpython {Library}){VirtualEnv}")]
    public static partial void Python(ILogger logger, string pythonVersion, string executable, string library, string virtualEnv);

    [LoggerMessage(EventId = 3, Level = LogLevel.Information, Message = "Application {App} loaded from {Chdir} ({Threads} Python thread{Plural})")]
    public static partial void AppLoaded(ILogger logger, string app, string chdir, int threads, string plural);

    [LoggerMessage(EventId = 4, Level = LogLevel.Information, Message = "Listening at: {Address} ({Pid})")]
    public static partial void Listening(ILogger logger, string address, int pid);

    [LoggerMessage(EventId = 5, Level = LogLevel.Information, Message = "Handling signal: {Signal}")]
    public static partial void Signal(ILogger logger, string signal);

    [LoggerMessage(EventId = 6, Level = LogLevel.Information, Message = "Shutting down: waiting up to {Seconds} s for {InFlight} in-flight request(s)")]
    public static partial void ShuttingDown(ILogger logger, int seconds, string inFlight);

    [LoggerMessage(EventId = 7, Level = LogLevel.Information, Message = "Stopped")]
    public static partial void Stopped(ILogger logger);

    [LoggerMessage(EventId = 8, Level = LogLevel.Warning, Message = "Setting not supported yet and ignored: {Setting}")]
    public static partial void Unsupported(ILogger logger, string setting);

    [LoggerMessage(EventId = 9, Level = LogLevel.Warning, Message = "atexit handlers of the app raised: {Error}")]
    public static partial void AtExitFailed(ILogger logger, string error);
}
