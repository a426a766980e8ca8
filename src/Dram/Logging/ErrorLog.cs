using System.Globalization;
using System.Text;
using Dram.Configuration;
using Dram.Wsgi.Logs;
using Microsoft.Extensions.Logging;

namespace Dram.Logging;

/// <summary>
/// The error log, in Gunicorn's line format (<c>[2026-01-01 12:00:00 +0000] [pid] [INFO] message</c>)
/// so existing log parsing keeps working. Goes to stderr or to the <c>--error-logfile</c> file,
/// which the master and every worker append to; each message, traceback included, is one write,
/// so lines of different processes never cut into each other. With <c>--capture-output</c> the
/// process's own descriptors 1 and 2 point at that file too, so whatever the app prints (or a C
/// extension writes to them) lands there.
/// </summary>
public sealed class ErrorLog : ILoggerProvider
{
    private const int StdoutDescriptor = 1;
    private const int StderrDescriptor = 2;

    private readonly LogFile _file;
    private readonly bool _captureOutput;
    private readonly int _pid = Environment.ProcessId;
    private readonly long[] _written = new long[(int)LogLevel.None + 1];

    public ErrorLog(LogLevel minimum, LogFile file, bool captureOutput)
    {
        Minimum = minimum;
        _file = file;
        // With stderr as the log, the app's output goes to the same place already.
        _captureOutput = captureOutput && file.Path is not null;
        if (_captureOutput)
        {
            CaptureOutput();
        }
    }

    public LogLevel Minimum { get; }

    /// <summary>
    /// The lowest level written for Kestrel's and the framework's categories: their routine
    /// connection events (resets, bad requests, keep-alives) at Debug/Information are shown only at
    /// --log-level debug.
    /// </summary>
    public LogLevel FrameworkMinimum => Minimum <= LogLevel.Debug ? Minimum : (LogLevel)Math.Max((int)Minimum, (int)LogLevel.Warning);

    /// <summary>
    /// A logger factory writing to this log. Its own filters turn away what the log would not
    /// write before the log is asked: Kestrel asks whether a Debug event is wanted on every
    /// keep-alive response, and the answer then costs one comparison.
    /// </summary>
    public ILoggerFactory CreateLoggerFactory() => LoggerFactory.Create(builder => builder.ClearProviders()
        .SetMinimumLevel(Minimum)
        .AddFilter(FrameworkCategoryPrefix, FrameworkMinimum)
        .AddProvider(this));

    private const string FrameworkCategoryPrefix = "Microsoft.";

    /// <summary>Lines written at <paramref name="level"/> so far (StatsD's gunicorn.log.* counters).</summary>
    public long Written(LogLevel level) => Interlocked.Read(ref _written[(int)level]);
    /// <summary>The error log <paramref name="config"/> names, opened; a file that cannot be opened is a usage error naming it.</summary>
    public static ErrorLog Open(ServerConfig config)
    {
        LogFile file;
        try
        {
            file = LogFile.Open(config.ErrorLog, LogFile.StandardError);
        }
        catch (IOException e)
        {
            throw new UsageException($"--error-logfile {config.ErrorLog}: cannot open it for appending ({e.Message}); create its directory, or name a file the user running dram may write to");
        }
        return new ErrorLog(ParseLevel(config.LogLevel), file, config.CaptureOutput);
    }

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
        try
        {
            _file.Write(Encoding.UTF8.GetBytes(text));
        }
        catch (IOException)
        {
            // The error log itself failed (disk full, stderr closed): there is nowhere left to say so.
        }
    }

    /// <summary>
    /// SIGUSR1, after logrotate renamed the files: opens the error log file and
    /// <paramref name="accessLog"/>'s again at their paths and says which were reopened (in the new
    /// file). stdout and stderr belong to whoever started dram and are left alone. A path that
    /// cannot be opened keeps its old file and is reported.
    /// </summary>
    public void Reopen(AccessLog? accessLog = null)
    {
        var reopened = new List<string>();
        if (_file.Path is { } path)
        {
            try
            {
                _file.Reopen();
                if (_captureOutput)
                {
                    CaptureOutput();
                }
                reopened.Add($"error log {path}");
            }
            catch (IOException e)
            {
                Write(LogLevel.Error, $"Cannot reopen the error log {path} ({e.Message}); still writing to the file opened before");
            }
        }
        if (accessLog?.Path is { } accessPath)
        {
            try
            {
                accessLog.Reopen();
                reopened.Add($"access log {accessPath}");
            }
            catch (IOException e)
            {
                Write(LogLevel.Error, $"Cannot reopen the access log {accessPath} ({e.Message}); still writing to the file opened before");
            }
        }
        Write(LogLevel.Information, reopened.Count > 0
            ? $"Reopened log files: {string.Join(", ", reopened)}"
            : "Reopened log files: none (the logs go to stdout or stderr, which belong to whoever started dram)");
    }

    public ILogger CreateLogger(string categoryName) => new CategoryLogger(this, categoryName);

    public void Dispose()
    {
    }

    private void CaptureOutput()
    {
        Console.Out.Flush();
        Console.Error.Flush();
        try
        {
            _file.RedirectOnto(StdoutDescriptor);
            _file.RedirectOnto(StderrDescriptor);
        }
        catch (IOException e)
        {
            Write(LogLevel.Error, $"--capture-output: {e.Message}");
        }
    }

    private sealed class CategoryLogger(ErrorLog log, string category) : ILogger
    {
        private readonly bool _isFramework = category.StartsWith(FrameworkCategoryPrefix, StringComparison.Ordinal);

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= (_isFramework ? log.FrameworkMinimum : log.Minimum);

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
