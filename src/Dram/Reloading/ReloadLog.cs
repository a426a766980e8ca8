using Microsoft.Extensions.Logging;

namespace Dram.Reloading;

/// <summary>The log lines of --reload, with fixed event ids.</summary>
internal static partial class ReloadLog
{
    [LoggerMessage(EventId = 310, Level = LogLevel.Information, Message = "Reloading on source changes ({Engine}): the app's imported files under {Roots}{Extra}")]
    public static partial void Watching(ILogger logger, string engine, string roots, string extra);

    [LoggerMessage(EventId = 311, Level = LogLevel.Information, Message = "Changed: {Files}")]
    public static partial void Changed(ILogger logger, string files);

    [LoggerMessage(EventId = 312, Level = LogLevel.Warning, Message = "inotify cannot watch {Directory} ({Reason}); checking the files every second instead. Raise fs.inotify.max_user_watches or max_user_instances, or use --reload-engine poll.")]
    public static partial void InotifyUnavailable(ILogger logger, string directory, string reason);

    [LoggerMessage(EventId = 313, Level = LogLevel.Warning, Message = "Watching {Directory} failed: {Reason}")]
    public static partial void WatchError(ILogger logger, string directory, string reason);

    [LoggerMessage(EventId = 314, Level = LogLevel.Warning, Message = "--reload-extra-file has no effect without --reload")]
    public static partial void ExtraFilesWithoutReload(ILogger logger);

    [LoggerMessage(EventId = 315, Level = LogLevel.Information, Message = "Waiting for the next change to the app's files to reload again")]
    public static partial void WaitingForFix(ILogger logger);

    [LoggerMessage(EventId = 317, Level = LogLevel.Debug, Message = "Watching {File} for --reload")]
    public static partial void WatchingFile(ILogger logger, string file);

    [LoggerMessage(EventId = 316, Level = LogLevel.Warning, Message = "Could not list the app's imported files for --reload: {Reason}")]
    public static partial void ScanFailed(ILogger logger, string reason);
}
