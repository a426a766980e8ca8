using Dram.Processes;
using Dram.Python;
using Dram.Wsgi;
using Microsoft.Extensions.Logging;

namespace Dram.Reloading;

/// <summary>
/// <c>--reload</c>, in a worker: tells the master which source files the app imported (WATCH lines),
/// first those imported at start-up, then every few seconds the ones imported since (a view
/// module loaded on its first request), from a thread of its own that takes the GIL briefly.
/// </summary>
internal sealed class SourceFileReporter : IDisposable
{
    public const string Verb = "WATCH";

    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(2);

    private readonly ControlChannel _control;
    private readonly AppSourceFiles _sources;
    private readonly ILogger _log;
    private readonly ManualResetEventSlim _stopping = new();
    private readonly Thread _thread;

    public SourceFileReporter(ControlChannel control, AppSourceFiles sources, IReadOnlyList<string> importedAtStart, ILogger log)
    {
        _control = control;
        _sources = sources;
        _log = log;
        Send(importedAtStart);
        _thread = new Thread(Run) { Name = "dram-reload-scan", IsBackground = true };
        _thread.Start();
    }

    private void Run()
    {
        var python = PythonThread.AttachCurrent();
        while (!_stopping.Wait(Interval))
        {
            IReadOnlyList<string> files;
            python.Enter();
            try
            {
                files = _sources.TakeNew();
            }
            catch (PythonException e)
            {
                ReloadLog.ScanFailed(_log, $"{e.TypeName}: {e.Message}");
                return;
            }
            finally
            {
                python.Leave();
            }
            Send(files);
        }
    }

    private void Send(IReadOnlyList<string> files)
    {
        if (files.Count == 0)
        {
            return;
        }
        try
        {
            _control.Send(Verb + " " + string.Join("\n" + Verb + " ", files));
        }
        catch (Exception e) when (e is System.Net.Sockets.SocketException or ObjectDisposedException)
        {
            // The master is gone; the worker is stopping.
        }
    }

    public void Dispose() => _stopping.Set();
}
