using System.Net;
using System.Net.Http.Headers;
using System.Text.RegularExpressions;

namespace Dram.Tests.Django;

/// <summary>
/// A browser-like client for mysite: keeps cookies for the origin the user sees, sends the CSRF
/// token from the form it fetched with a same-origin Referer, and never follows redirects (tests
/// check them). Talking to Dram directly with <see cref="ForwardedHttps"/> it stands for nginx
/// passing on a request that arrived over HTTPS, as in production.
/// </summary>
public sealed partial class DjangoClient : IDisposable
{
    private readonly HttpClient _http;
    private readonly CookieContainer _cookies = new();

    /// <param name="handler">The transport (see <see cref="HttpTransport"/>).</param>
    /// <param name="server">Where requests go: its host and port become the Host header.</param>
    /// <param name="origin">The site's address as the user sees it (cookies and Referer are for it).</param>
    public DjangoClient(HttpMessageHandler handler, Uri server, Uri origin)
    {
        _http = new HttpClient(handler) { BaseAddress = server, Timeout = TimeSpan.FromSeconds(60) };
        Origin = origin;
    }

    /// <summary>Plain HTTP to Dram on 127.0.0.1:<paramref name="port"/>.</summary>
    public static DjangoClient ToDram(int port, bool forwardedHttps = false)
    {
        var server = new Uri($"http://127.0.0.1:{port}/");
        return new DjangoClient(new SocketsHttpHandler { UseCookies = false, AllowAutoRedirect = false }, server,
            forwardedHttps ? new Uri($"https://127.0.0.1:{port}/") : server)
        {
            ForwardedHttps = forwardedHttps,
        };
    }

    public Uri Origin { get; }

    /// <summary>Adds <c>X-Forwarded-Proto: https</c> to every request, as nginx does after TLS.</summary>
    public bool ForwardedHttps { get; init; }

    public string? Cookie(string name) => _cookies.GetCookies(Origin)[name]?.Value;

    /// <summary>Sends with this client's cookies (and forwarded scheme) and keeps the cookies it is given.</summary>
    public async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, HttpCompletionOption completion = HttpCompletionOption.ResponseContentRead)
    {
        var cookies = _cookies.GetCookieHeader(Origin);
        if (cookies.Length > 0)
        {
            request.Headers.Add("Cookie", cookies);
        }
        if (ForwardedHttps)
        {
            request.Headers.Add("X-Forwarded-Proto", "https");
        }
        var response = await _http.SendAsync(request, completion);
        if (response.Headers.TryGetValues("Set-Cookie", out var setCookies))
        {
            foreach (var setCookie in setCookies)
            {
                _cookies.SetCookies(Origin, setCookie);
            }
        }
        return response;
    }

    public Task<HttpResponseMessage> GetAsync(string path, HttpCompletionOption completion = HttpCompletionOption.ResponseContentRead) =>
        SendAsync(new HttpRequestMessage(HttpMethod.Get, path), completion);

    /// <summary>GETs a page that must answer 200 and returns its text.</summary>
    public async Task<string> GetPageAsync(string path)
    {
        using var response = await GetAsync(path);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"GET {path}: {(int)response.StatusCode}\n{text}");
        return text;
    }

    /// <summary>GETs the form at <paramref name="formPath"/> and returns its csrfmiddlewaretoken.</summary>
    public async Task<string> CsrfTokenAsync(string formPath)
    {
        var page = await GetPageAsync(formPath);
        var match = CsrfInput().Match(page);
        Assert.True(match.Success, $"no csrfmiddlewaretoken in {formPath}:\n{page}");
        return match.Groups[1].Value;
    }

    /// <summary>Fetches the form (for its token and cookie), then posts <paramref name="fields"/> to it.</summary>
    public async Task<HttpResponseMessage> PostFormAsync(string path, IEnumerable<KeyValuePair<string, string>> fields)
    {
        var token = await CsrfTokenAsync(path);
        var request = new HttpRequestMessage(HttpMethod.Post, path)
        {
            Content = new FormUrlEncodedContent([new("csrfmiddlewaretoken", token), .. fields]),
        };
        return await SendAsync(WithReferer(request, path));
    }

    /// <summary>Fetches the form, then posts a multipart body with the file in field <paramref name="field"/>.</summary>
    public async Task<HttpResponseMessage> PostFileAsync(string path, string field, string fileName, byte[] content)
    {
        var token = await CsrfTokenAsync(path);
        var form = new MultipartFormDataContent
        {
            { new StringContent(token), "csrfmiddlewaretoken" },
        };
        var file = new ByteArrayContent(content);
        file.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        form.Add(file, field, fileName);
        return await SendAsync(WithReferer(new HttpRequestMessage(HttpMethod.Post, path) { Content = form }, path));
    }

    /// <summary>Logs in through a Django login form; the answer must be the redirect to <paramref name="next"/>.</summary>
    public async Task LoginAsync(string username, string password, string loginPath = "/accounts/login/", string next = "/account/")
    {
        using var response = await PostFormAsync(loginPath, [new("username", username), new("password", password), new("next", next)]);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Found, $"login: {(int)response.StatusCode}\n{body}");
        Assert.Equal(next, response.Headers.Location?.OriginalString);
        Assert.NotNull(Cookie("sessionid"));
    }

    /// <summary>A browser sends the page's address; over HTTPS Django's CSRF check requires it to be same-origin.</summary>
    private HttpRequestMessage WithReferer(HttpRequestMessage request, string path)
    {
        request.Headers.Referrer = new Uri(Origin, path);
        return request;
    }

    [GeneratedRegex("name=\"csrfmiddlewaretoken\" value=\"([^\"]+)\"")]
    private static partial Regex CsrfInput();

    public void Dispose() => _http.Dispose();
}
