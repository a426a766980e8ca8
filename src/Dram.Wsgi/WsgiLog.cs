using Microsoft.Extensions.Logging;

namespace Dram.Wsgi;

/// <summary>Every log line the WSGI layer writes, with fixed event ids.</summary>
internal static partial class WsgiLog
{
    [LoggerMessage(EventId = 100, Level = LogLevel.Error, Message = "Error handling request {Method} {Path}: {Reason}\n{Traceback}")]
    public static partial void AppError(ILogger logger, string method, string path, string reason, string traceback);

    [LoggerMessage(EventId = 101, Level = LogLevel.Error, Message = "Error handling request {Method} {Path}: {Reason}; the response had already started, so the connection was closed to show it is incomplete\n{Traceback}")]
    public static partial void AppErrorAfterHeaders(ILogger logger, string method, string path, string reason, string traceback);

    [LoggerMessage(EventId = 102, Level = LogLevel.Error, Message = "{Method} {Path}: the app sent more than its Content-Length of {ContentLength} bytes; the rest was dropped")]
    public static partial void BodyTooLong(ILogger logger, string method, string path, long contentLength);

    [LoggerMessage(EventId = 103, Level = LogLevel.Error, Message = "{Method} {Path}: the app sent {Written} of its Content-Length of {ContentLength} bytes; the connection was closed so the client sees the response is incomplete")]
    public static partial void BodyTooShort(ILogger logger, string method, string path, long written, long contentLength);

    [LoggerMessage(EventId = 104, Level = LogLevel.Error, Message = "Error in close() of the response of {Method} {Path}: {Reason}\n{Traceback}")]
    public static partial void CloseError(ILogger logger, string method, string path, string reason, string traceback);

    [LoggerMessage(EventId = 105, Level = LogLevel.Debug, Message = "{Method} {Path}: client went away before the response was complete")]
    public static partial void ClientGone(ILogger logger, string method, string path);

    [LoggerMessage(EventId = 106, Level = LogLevel.Error, Message = "Request timed out: {Description}; answered 504 Gateway Timeout and raised dram.RequestTimeout in its thread, which was at:\n{Stack}")]
    public static partial void RequestTimedOut(ILogger logger, string description, string stack);

    [LoggerMessage(EventId = 107, Level = LogLevel.Warning, Message = "{Method} {Path}: its thread did not unwind within {Seconds} s of the timeout (blocked in C code?); this worker will be replaced")]
    public static partial void StuckThread(ILogger logger, string method, string path, double seconds);

    [LoggerMessage(EventId = 108, Level = LogLevel.Error, Message = "A timed-out request could not be interrupted: the GIL was not released for {Seconds} s; this worker will be replaced")]
    public static partial void GilHeld(ILogger logger, double seconds);

    [LoggerMessage(EventId = 109, Level = LogLevel.Information, Message = "{Method} {Path}: the timed-out request's thread unwound ({Exception})")]
    public static partial void TimedOutUnwound(ILogger logger, string method, string path, string exception);

    [LoggerMessage(EventId = 110, Level = LogLevel.Warning, Message = "Access log {Target}: {Count} line(s) dropped because {Capacity} lines were already waiting to be written (is the disk, or whatever reads stdout, too slow?)")]
    public static partial void AccessLinesDropped(ILogger logger, long count, string target, int capacity);

    [LoggerMessage(EventId = 111, Level = LogLevel.Error, Message = "Access log {Target}: {Count} line(s) lost: {Reason}")]
    public static partial void AccessLinesLost(ILogger logger, long count, string target, string reason);

    [LoggerMessage(EventId = 112, Level = LogLevel.Debug, Message = "{Method} {Path}: refused with {Status} before the app was called: {Reason}")]
    public static partial void RequestRejected(ILogger logger, string method, string path, int status, string reason);

    [LoggerMessage(EventId = 113, Level = LogLevel.Error, Message = "Error handling request {Method} {Path}: {Rule}")]
    public static partial void AppRuleBroken(ILogger logger, string method, string path, string rule);

    [LoggerMessage(EventId = 114, Level = LogLevel.Error, Message = "Error handling request {Method} {Path}: {Rule}; the response had already started, so the connection was closed to show it is incomplete")]
    public static partial void AppRuleBrokenAfterHeaders(ILogger logger, string method, string path, string rule);

    [LoggerMessage(EventId = 115, Level = LogLevel.Warning, Message = "{Method} {Path}: the app called write() from inside its response iterable, which PEP 3333 forbids; the bytes were sent in call order. Yield them from the iterable instead (reported once per worker)")]
    public static partial void WriteInsideIterable(ILogger logger, string method, string path);

    [LoggerMessage(EventId = 116, Level = LogLevel.Information, Message = "{Method} {Path}: the client accepted no response data for {Seconds} s; its connection was closed to free the thread")]
    public static partial void ClientStalled(ILogger logger, string method, string path, double seconds);

    [LoggerMessage(EventId = 117, Level = LogLevel.Information, Message = "{Method} {Path}: the client closed the connection before sending the whole body (Content-Length {ContentLength}) while the request waited for a Python thread; the app was not called (logged as 499)")]
    public static partial void ClientLeftMidBody(ILogger logger, string method, string path, long contentLength);

    [LoggerMessage(EventId = 199, Level = LogLevel.Critical, Message = "Internal error in the Python request loop")]
    public static partial void InternalError(ILogger logger, Exception exception);
}
