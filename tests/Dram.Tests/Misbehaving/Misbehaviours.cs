namespace Dram.Tests.Misbehaving;

/// <summary>The request-level faults of the misbehaving-app matrix, by route.</summary>
public static class Misbehaviours
{
    private const string Plain500 = "500 Internal Server Error with a plain body; the connection stays open";

    public static readonly IReadOnlyDictionary<string, Misbehaviour> ByRoute = new Misbehaviour[]
    {
        Error500("raise-before-start", "raises before start_response", "the application raised: AppFault: raised before start_response"),
        Error500("raise-after-start", "raises after start_response, before any body", "the application raised: AppFault: raised after start_response, before any body"),
        new()
        {
            Route = "raise-in-iteration", Scenario = "raises while its iterable is iterated, after the first chunk",
            Body = "first chunk", Answer = "the head and the first chunk, then the connection is closed without the last chunk",
            Level = "ERROR", Logged = "the response iterable raised: AppFault: raised while iterating, after the first chunk; the response had already started, so the connection was closed to show it is incomplete",
        },
        new()
        {
            Route = "raise-in-close", Scenario = "raises in the iterable's close()", Status = 200, Body = "complete body",
            Answer = "200 with the complete body; close() ran once; the connection stays open",
            Level = "ERROR", Logged = "AppFault: raised in close()", ClosesIterable = true,
        },
        Error500("return-none", "returns None", "the application returned None; a WSGI application must return an iterable of bytes, such as [body] ([] for no body)"),
        Error500("return-str", "returns a str", "the application returned a str; a WSGI application returns an iterable of bytes: return [text.encode()] instead"),
        Error500("return-bytes", "returns bytes instead of an iterable of bytes", "the application returned bytes itself; a WSGI application returns an iterable of bytes: return [body] instead"),
        Error500("return-int", "returns something not iterable (an int)", "iter() on the application's response (int) failed; a WSGI application must return an iterable of bytes: TypeError: 'int' object is not iterable"),
        Error500("yield-str", "yields a str", "the response body holds a str; every chunk of a WSGI body must be bytes: encode text first (text.encode())"),
        new()
        {
            Route = "status-no-reason", Scenario = "status without a reason phrase ('200')", Status = 200, Body = "ok",
            Answer = "200 OK: the standard reason phrase is sent (as Gunicorn does)",
        },
        Error500("status-non-numeric", "non-numeric status ('OK')", "ValueError: start_response(): invalid status 'OK'; it must be a 3-digit code and a reason, e.g. '200 OK'"),
        Error500("status-crlf", "status with CR/LF (response splitting)", @"ValueError: start_response(): the status '200 OK\r\nX-Injected: yes' contains a control character (CR, LF, NUL...)"),
        Error500("name-cr", "header name with CR", @"ValueError: start_response(): invalid header name 'X-A\rX-Injected'; names are HTTP tokens"),
        Error500("name-lf", "header name with LF", @"ValueError: start_response(): invalid header name 'X-A\nX-Injected'; names are HTTP tokens"),
        Error500("name-nul", "header name with NUL", @"ValueError: start_response(): invalid header name 'X-A\x00X-Injected'; names are HTTP tokens"),
        Error500("name-non-latin1", "header name with a non-latin-1 character", "ValueError: start_response(): the header name 'X-\u20ac' has characters outside latin-1"),
        Error500("value-cr", "header value with CR", @"ValueError: start_response(): the value of header 'X-A' contains a control character (CR, LF, NUL...): 'a\rX-Injected: yes'"),
        Error500("value-lf", "header value with LF", @"ValueError: start_response(): the value of header 'X-A' contains a control character (CR, LF, NUL...): 'a\nX-Injected: yes'"),
        Error500("value-nul", "header value with NUL", @"ValueError: start_response(): the value of header 'X-A' contains a control character (CR, LF, NUL...): 'a\x00X-Injected: yes'"),
        Error500("value-non-latin1", "header value with a non-latin-1 character", "ValueError: start_response(): the value of header 'X-A' '\u20ac5' has characters outside latin-1"),
        Error500("hop-by-hop", "hop-by-hop header (Transfer-Encoding)", "ValueError: start_response(): hop-by-hop header 'Transfer-Encoding' is not allowed from a WSGI app (PEP 3333)"),
        Error500("start-twice", "calls start_response twice without exc_info", "AssertionError: start_response() was called a second time without exc_info (PEP 3333)"),
        new()
        {
            Route = "write-in-iteration", Scenario = "calls write() after iteration began", Status = 200, Body = "yielded,written,yielded again",
            Answer = "200 with the bytes in call order (as other servers send them)",
            Level = "WARNING", Logged = "the app called write() from inside its response iterable, which PEP 3333 forbids; the bytes were sent in call order",
        },
        new()
        {
            Route = "short-body", Scenario = "body shorter than its Content-Length", Body = "only 20 of 100 bytes",
            Answer = "the head and the 20 bytes, then the connection is closed so the client sees the body is short",
            Level = "ERROR", Logged = "the app sent 20 of its Content-Length of 100 bytes; the connection was closed so the client sees the response is incomplete",
        },
        new()
        {
            Route = "long-body", Scenario = "body longer than its Content-Length", Status = 200, Body = "12345",
            Answer = "200 with exactly Content-Length (5) bytes, the rest dropped; the connection stays open",
            Level = "ERROR", Logged = "the app sent more than its Content-Length of 5 bytes; the rest was dropped",
        },
        Error500("no-start-response", "never calls start_response (returns a body)", "the application produced body data before calling start_response(); call start_response(status, headers) before the first non-empty chunk"),
        new()
        {
            Route = "endless", Scenario = "endless generator to a client that left", Body = "",
            Answer = "the generator is closed (close() ran once) when the client leaves, freeing the Python thread; a client leaving is not an error",
            ClosesIterable = true, ClientLeaves = true,
        },
    }.ToDictionary(m => m.Route);

    private static Misbehaviour Error500(string route, string scenario, string logged) => new()
    {
        Route = route,
        Scenario = scenario,
        Status = 500,
        Body = "Internal Server Error\n",
        Answer = Plain500,
        Level = "ERROR",
        Logged = logged,
    };
}
