using Dram.Python;
using Dram.Python.Native;

namespace Dram.Wsgi;

/// <summary>
/// The common entry of the callables handed to the app per request (start_response, write): the
/// request they belong to must still be running, and no .NET exception may cross into C.
/// </summary>
internal static class RequestCallable
{
    public static nint Invoke<TState>(nint self, string name, TState state, Func<WsgiRequest, TState, nint> call)
    {
        try
        {
            var request = WsgiRequest.FromObject(self);
            if (request is null)
            {
                Py.SetError(CApi.ExcRuntimeError, $"{name}() was called after its request had finished");
                return 0;
            }
            return call(request, state);
        }
        catch (Exception e)
        {
            Py.SetError(CApi.ExcRuntimeError, $"{name}() failed in the server: {e.Message}");
            return 0;
        }
    }
}
