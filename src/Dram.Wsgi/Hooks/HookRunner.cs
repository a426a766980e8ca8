using Dram.Python;
using Dram.Python.Native;
using Microsoft.Extensions.Logging;

namespace Dram.Wsgi.Hooks;

/// <summary>
/// The server hooks a config file defines, ready to call with the objects Gunicorn passes them
/// (server, worker, req, resp; see hooks.py). Every method needs the GIL. A hook that raises is
/// logged with its traceback, naming the hook, and the caller carries on.
/// </summary>
public sealed unsafe class HookRunner
{
    private readonly HashSet<string> _defined;
    private readonly nint _call;
    private readonly nint _newServer;
    private readonly nint _newWorker;
    private readonly nint _newRequest;
    private readonly nint _newResponse;
    private readonly Dictionary<string, nint> _names = new(StringComparer.Ordinal);
    private readonly Action<LogLevel, string> _log;

    private HookRunner(HashSet<string> defined, nint hooks, Action<LogLevel, string> log)
    {
        _defined = defined;
        _log = log;
        _call = Py.GetAttr(hooks, "call");
        _newServer = Py.GetAttr(hooks, "server");
        _newWorker = Py.GetAttr(hooks, "worker");
        _newRequest = Py.GetAttr(hooks, "request");
        _newResponse = Py.GetAttr(hooks, "response");
        foreach (var name in defined)
        {
            _names[name] = Py.NewInternedString(name);
        }
    }

    /// <summary>
    /// Takes the hooks named <paramref name="names"/> from a config file's <paramref name="configNamespace"/>.
    /// <paramref name="settingsJson"/> becomes their <c>cfg</c>; <paramref name="source"/> (the file)
    /// is named when one fails; their log lines and failures go to <paramref name="log"/>.
    /// </summary>
    public static HookRunner Create(nint configNamespace, IReadOnlyCollection<string> names, string settingsJson, string source,
        Action<LogLevel, string> log)
    {
        var helper = Py.RunModuleSource(EmbeddedPython.Read("hooks.py"), "dram._hooks");
        try
        {
            var emit = HookLog.Create(log);
            var nameList = Py.Check(CApi.PyList_New(0));
            foreach (var name in names)
            {
                var text = Py.NewString(name);
                CApi.PyList_Append(nameList, text);
                Py.DecRef(text);
            }
            var json = Py.NewString(settingsJson);
            var label = Py.NewString(source);
            try
            {
                var hooks = Py.Call(Py.BorrowItem(helper, "Hooks"), configNamespace, nameList, json, emit, label);
                // The bound methods taken from it keep the object alive for the life of the process.
                var runner = new HookRunner(names.ToHashSet(StringComparer.Ordinal), hooks, log);
                Py.DecRef(hooks);
                return runner;
            }
            finally
            {
                Py.DecRef(label);
                Py.DecRef(json);
                Py.DecRef(nameList);
                Py.DecRef(emit);
            }
        }
        finally
        {
            Py.DecRef(helper);
        }
    }

    /// <summary>This process's own worker object (in a worker), passed to its worker-side hooks; 0 in the master.</summary>
    public nint Worker { get; set; }

    public bool Defines(Hook hook) => _defined.Contains(hook.Name);

    /// <summary>Runs <paramref name="hook"/> with <paramref name="args"/> (borrowed) if the config file defines it.</summary>
    public void Call(Hook hook, params ReadOnlySpan<nint> args)
    {
        if (!_names.TryGetValue(hook.Name, out var name))
        {
            return;
        }
        Span<nint> all = stackalloc nint[args.Length + 1];
        all[0] = name;
        args.CopyTo(all[1..]);
        try
        {
            Py.DecRef(Py.Call(_call, all));
        }
        catch (PythonException e)
        {
            // The guard in hooks.py itself failed (an exception raised into this thread from outside).
            _log(LogLevel.Error, $"Error in the {hook.Name} hook (ignored; the server carries on):\n{e.PythonTraceback}");
        }
    }

    /// <summary>A new <c>server</c> object (new reference).</summary>
    public nint NewServer(int pid, int workers)
    {
        var pidObject = Py.NewInt(pid);
        var count = Py.NewInt(workers);
        try
        {
            return Py.Call(_newServer, pidObject, count);
        }
        finally
        {
            Py.DecRef(count);
            Py.DecRef(pidObject);
        }
    }

    /// <summary>A new <c>worker</c> object (new reference); <paramref name="age"/> counts the workers started (1 for the first).</summary>
    public nint NewWorker(int pid, int parentPid, int age)
    {
        var pidObject = Py.NewInt(pid);
        var parent = Py.NewInt(parentPid);
        var ageObject = Py.NewInt(age);
        try
        {
            return Py.Call(_newWorker, pidObject, parent, ageObject);
        }
        finally
        {
            Py.DecRef(ageObject);
            Py.DecRef(parent);
            Py.DecRef(pidObject);
        }
    }

    /// <summary>A new <c>req</c> object (new reference) from the request line and headers (a list of (NAME, value)).</summary>
    internal nint NewRequest(string method, string uri, int major, int minor, nint headers)
    {
        var methodObject = Py.NewString(method);
        var uriObject = Py.NewString(uri);
        var majorObject = Py.NewInt(major);
        var minorObject = Py.NewInt(minor);
        try
        {
            return Py.Call(_newRequest, methodObject, uriObject, majorObject, minorObject, headers);
        }
        finally
        {
            Py.DecRef(minorObject);
            Py.DecRef(majorObject);
            Py.DecRef(uriObject);
            Py.DecRef(methodObject);
        }
    }

    /// <summary>A new <c>resp</c> object (new reference): the status line, its code, the headers (a list of (name, value)) and the body bytes sent.</summary>
    internal nint NewResponse(string status, int statusCode, nint headers, long sent)
    {
        var statusObject = Py.NewString(status);
        var codeObject = Py.NewInt(statusCode);
        var sentObject = Py.NewInt(sent);
        try
        {
            return Py.Call(_newResponse, statusObject, codeObject, headers, sentObject);
        }
        finally
        {
            Py.DecRef(sentObject);
            Py.DecRef(codeObject);
            Py.DecRef(statusObject);
        }
    }
}
