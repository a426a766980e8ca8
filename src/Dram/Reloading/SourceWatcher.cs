using Dram.Configuration;
using Microsoft.Extensions.Logging;

namespace Dram.Reloading;

/// <summary>
/// <c>--reload</c>: watches the app's source files and reports a change once the writes settle.
///
/// The watching happens in the master, not in the workers. A reload has to outlive the code it
/// replaces: the master starts workers on the new code while the old ones keep serving, and when
/// the new code does not import (a syntax error half-way through an edit) it keeps the old workers
/// and simply waits for the next change. A worker watching its own files could only exit, leaving
/// nothing that serves until the file is fixed, and N workers would each watch the same files.
/// Which files to watch only a worker's interpreter knows (<c>sys.modules</c>), so each worker
/// reports the files its app imported and the master adds them here.
///
/// Editors save in several steps (truncate and write, write a temporary file and rename it over,
/// touch): changes are collected until none has come for a quiet period, then reported together,
/// so one save gives one reload.
/// </summary>
internal sealed class SourceWatcher : IDisposable
{
    /// <summary>How often the poll engine looks at every file (as Gunicorn's poller).</summary>
    private static readonly TimeSpan PollInterval = TimeSpan.FromSeconds(1);

    /// <summary>With inotify, changes this close together are one save.</summary>
    private static readonly TimeSpan InotifyQuiet = TimeSpan.FromMilliseconds(500);

    /// <summary>With polling, a save spread over two polls still gives one reload.</summary>
    private static readonly TimeSpan PollQuiet = PollInterval + TimeSpan.FromMilliseconds(200);

    private readonly Action<IReadOnlyList<string>> _changed;
    private readonly ILogger _log;
    private readonly Lock _lock = new();
    private readonly Dictionary<string, FileState> _files = new(StringComparer.Ordinal);
    private readonly Dictionary<string, FileSystemWatcher> _directories = new(StringComparer.Ordinal);
    private readonly SortedSet<string> _pending = new(StringComparer.Ordinal);
    private readonly Timer _settled;
    private readonly Timer _poll;
    private bool _polling;
    private bool _disposed;

    private readonly record struct FileState(bool Exists, DateTime Modified, long Length)
    {
        public static FileState Of(string path)
        {
            var info = new FileInfo(path);
            return info.Exists ? new FileState(true, info.LastWriteTimeUtc, info.Length) : default;
        }
    }

    public SourceWatcher(ReloadEngineKind engine, Action<IReadOnlyList<string>> changed, ILogger log)
    {
        _changed = changed;
        _log = log;
        _polling = engine == ReloadEngineKind.Poll;
        _settled = new Timer(_ => Report());
        _poll = new Timer(_ => Poll(), null, _polling ? PollInterval : Timeout.InfiniteTimeSpan, PollInterval);
        Engine = _polling ? "poll" : "inotify";
    }

    /// <summary>The engine in use: "inotify", or "poll" when chosen or when inotify could not be used.</summary>
    public string Engine { get; private set; }

    /// <summary>Files watched so far.</summary>
    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _files.Count;
            }
        }
    }

    /// <summary>Starts watching <paramref name="path"/> (an absolute file path); a path already watched is ignored.</summary>
    public void Watch(string path)
    {
        lock (_lock)
        {
            if (_disposed || _files.ContainsKey(path))
            {
                return;
            }
            _files[path] = FileState.Of(path);
            ReloadLog.WatchingFile(_log, path);
            if (!_polling)
            {
                WatchDirectory(Path.GetDirectoryName(path)!);
            }
        }
    }

    private void WatchDirectory(string directory)
    {
        if (_directories.ContainsKey(directory))
        {
            return;
        }
        var watcher = new FileSystemWatcher(directory)
        {
            IncludeSubdirectories = false,
            NotifyFilter = NotifyFilters.FileName | NotifyFilters.LastWrite | NotifyFilters.Size | NotifyFilters.Attributes | NotifyFilters.CreationTime,
        };
        watcher.Changed += (_, e) => Noticed(e.FullPath);
        watcher.Created += (_, e) => Noticed(e.FullPath);
        watcher.Deleted += (_, e) => Noticed(e.FullPath);
        watcher.Renamed += (_, e) =>
        {
            Noticed(e.FullPath);
            Noticed(e.OldFullPath);
        };
        watcher.Error += (_, e) => ReloadLog.WatchError(_log, directory, e.GetException().Message);
        try
        {
            watcher.EnableRaisingEvents = true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException)
        {
            // Usually the per-user inotify limits (fs.inotify.max_user_watches / max_user_instances).
            watcher.Dispose();
            ReloadLog.InotifyUnavailable(_log, directory, e.Message);
            SwitchToPolling();
            return;
        }
        _directories[directory] = watcher;
    }

    private void SwitchToPolling()
    {
        _polling = true;
        Engine = "poll";
        _poll.Change(PollInterval, PollInterval);
        foreach (var watcher in _directories.Values)
        {
            watcher.Dispose();
        }
        _directories.Clear();
    }

    /// <summary>An inotify event for some file of a watched directory.</summary>
    private void Noticed(string path)
    {
        lock (_lock)
        {
            if (_disposed || !_files.ContainsKey(path))
            {
                return;
            }
            _files[path] = FileState.Of(path);
            _pending.Add(path);
            _settled.Change(InotifyQuiet, Timeout.InfiniteTimeSpan);
        }
    }

    private void Poll()
    {
        lock (_lock)
        {
            if (_disposed || !_polling)
            {
                return;
            }
            var changed = false;
            foreach (var (path, known) in _files.ToList())
            {
                var now = FileState.Of(path);
                if (now != known)
                {
                    _files[path] = now;
                    _pending.Add(path);
                    changed = true;
                }
            }
            if (changed)
            {
                _settled.Change(PollQuiet, Timeout.InfiniteTimeSpan);
            }
        }
    }

    private void Report()
    {
        string[] files;
        lock (_lock)
        {
            if (_disposed || _pending.Count == 0)
            {
                return;
            }
            files = [.. _pending];
            _pending.Clear();
        }
        _changed(files);
    }

    public void Dispose()
    {
        lock (_lock)
        {
            _disposed = true;
            foreach (var watcher in _directories.Values)
            {
                watcher.Dispose();
            }
            _directories.Clear();
        }
        _settled.Dispose();
        _poll.Dispose();
    }
}
