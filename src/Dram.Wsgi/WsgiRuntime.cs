using Dram.Python;
using Dram.Python.Native;

namespace Dram.Wsgi;

/// <summary>
/// The Python objects the WSGI layer makes once after the interpreter starts: interned keys, the
/// native types (start_response, write, wsgi.input, wsgi.errors, wsgi.file_wrapper) and a template
/// environ per URL scheme holding every constant entry. Requests copy the template and add only
/// what varies.
/// </summary>
public sealed unsafe class WsgiRuntime
{
    internal readonly EnvironKeys Keys;
    internal readonly NativeType StartResponseType;
    internal readonly NativeType WriteType;
    internal readonly NativeType InputType;
    internal readonly NativeType FileWrapperType;
    internal readonly nint ErrorStream;
    internal readonly nint HttpTemplate;
    internal readonly nint HttpsTemplate;
    internal readonly WsgiOptions Options;
    internal readonly nint ScriptName;

    /// <summary>Creates the objects; the GIL must be held.</summary>
    public WsgiRuntime(WsgiOptions options, Action<string> errorSink)
    {
        Options = options;
        Keys = new EnvironKeys();
        StartResponseType = StartResponse.CreateType();
        WriteType = WriteCallable.CreateType();
        InputType = WsgiInput.CreateType();
        FileWrapperType = FileWrapper.CreateType();
        ErrorStream = WsgiErrors.Create(errorSink);
        var fileWrapperFactory = FileWrapper.CreateFactory();
        ScriptName = Py.NewString(options.ScriptName);
        HttpTemplate = CreateTemplate(Keys.Http, fileWrapperFactory);
        HttpsTemplate = CreateTemplate(Keys.Https, fileWrapperFactory);
        Py.DecRef(fileWrapperFactory);
    }

    private nint CreateTemplate(nint scheme, nint fileWrapperFactory)
    {
        var env = Py.Check(CApi.PyDict_New());
        var version = Py.Check(CApi.PyTuple_New(2));
        CApi.PyTuple_SetItem(version, 0, Py.NewInt(1));
        CApi.PyTuple_SetItem(version, 1, Py.NewInt(0));
        Py.SetItem(env, Keys.WsgiVersion, version);
        Py.DecRef(version);
        Py.SetItem(env, Keys.WsgiUrlScheme, scheme);
        Py.SetItem(env, Keys.WsgiErrors, ErrorStream);
        Py.SetItem(env, Keys.WsgiMultithread, Options.Threads > 1 ? Py.True : Py.False);
        Py.SetItem(env, Keys.WsgiMultiprocess, Options.MultiProcess ? Py.True : Py.False);
        Py.SetItem(env, Keys.WsgiRunOnce, Py.False);
        Py.SetItem(env, Keys.WsgiFileWrapper, fileWrapperFactory);
        Py.SetItem(env, Keys.WsgiInputTerminated, Py.True);
        Py.SetItem(env, Keys.ScriptName, ScriptName);
        var software = Py.NewString(Options.ServerSoftware);
        Py.SetItem(env, Keys.ServerSoftware, software);
        Py.DecRef(software);
        foreach (var key in EnvironBuilder.KeysSetOnEveryRequest(Keys))
        {
            Py.SetItem(env, key, CApi.None);
        }
        return env;
    }
}
