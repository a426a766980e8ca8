using System.Globalization;
using System.Text;
using Microsoft.Extensions.Logging;

namespace Dram.Logging;

/// <summary>
/// The error log, in Gunicorn's line format (<c>[2026-01-01 12:00:00 +0000] [pid] [INFO] message</c>)
/// so existing log parsing keeps working. Writes whole lines to stderr.
/// </summary>
public sealed class ErrorLog : ILoggerProvider
{
    private readonly Lock _lock = new();
    private readonly Stream _stream = Console.OpenStandardError();
    private readonly int _pid = Environment.ProcessId;
    private readonly long[] _written = new long[(int)LogLevel.None + 1];

    public ErrorLog(LogLevel minimum)
    {
        Minimum = minimum;
    }

    public LogLevel Minimum { get; }

    /// <summary>Lines written at <paramref name="level"/> so far (StatsD's gunicorn.log.* counters).</summary>
    public long Written(LogLevel level) => Interlocked.Read(ref _written[(int)level]);

    public static LogLevel ParseLevel(string level) => level.ToLowerInvariant() switch
    {
        "debug" => LogLevel.Debug,
        "info" => LogLevel.Information,
        "warning" => LogLevel.Warning,
        "error" => LogLevel.Error,
        "critical" => LogLevel.Critical,
        _ => LogLevel.Information,
    };

    public void Write(LogLevel level, string message)
    {
        if (level < Minimum)
        {
            return;
        }
        Interlocked.Increment(ref _written[(int)level]);
        var name = level switch
        {
            LogLevel.Trace or LogLevel.Debug => "DEBUG",
            LogLevel.Information => "INFO",
            LogLevel.Warning => "WARNING",
            LogLevel.Error => "ERROR",
            _ => "CRITICAL",
        };
        var now = DateTimeOffset.Now;
        var offset = now.Offset;
        var sign = offset < TimeSpan.Zero ? '-' : '+';
        var line = string.Create(CultureInfo.InvariantCulture,
            $"[{now:yyyy-MM-dd HH:mm:ss} {sign}{Math.Abs(offset.Hours):00}{Math.Abs(offset.Minutes):00}] [{_pid}] [{name}] {message}\n");
        WriteRaw(line);
    }

    /// <summary>Text as the app wrote it to wsgi.errors: no prefix added.</summary>
    public void WriteRaw(string text)
    {
        var bytes = Encoding.UTF8.GetBytes(text);
        lock (_lock)
        {
            _stream.Write(bytes);
            _stream.Flush();
        }
    }

    /// <summary>
    /// SIGUSR1: reopen log files after rotation. The error log is stderr, which the process manager
    /// (systemd, a container runtime, a shell redirect) owns, so there is nothing to reopen.
    /// </summary>
    public void Reopen() => Write(LogLevel.Information, "Reopening log files (the error log is stderr: nothing to reopen)");

    public ILogger CreateLogger(string categoryName) => new CategoryLogger(this, categoryName);

    public void Dispose()
    {
    }

    private sealed class CategoryLogger(ErrorLog log, string category) : ILogger
    {
        // Kestrel reports routine connection events (resets, bad requests) at Debug/Information;
        // they are shown only at --log-level debug.
        private readonly bool _isFramework = category.StartsWith("Microsoft.", StringComparison.Ordinal);

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= log.Minimum && (!_isFramework || logLevel >= LogLevel.Warning || log.Minimum <= LogLevel.Debug);

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (!IsEnabled(logLevel))
            {
                return;
            }
            var message = formatter(state, exception);
            if (exception is not null)
            {
                message += "\n" + exception;
            }
            log.Write(logLevel, message);
        }
    }
}
