using System.Text.RegularExpressions;
using Dram.Configuration;
using Dram.Wsgi;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.StaticFiles;
using Microsoft.Extensions.FileProviders;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;

namespace Dram.Hosting;

/// <summary>
/// <c>--static-map /static=DIR</c>: files under a URL prefix are served by Kestrel without touching
/// Python — ETag and Last-Modified with 304s, Range requests, content types by extension, a
/// precompressed <c>.br</c>/<c>.gz</c> sibling when the client accepts it, a year-long immutable cache
/// lifetime for hashed names (Django's ManifestStaticFilesStorage: <c>app.3f2a9c1b7e4d.css</c>).
/// Paths cannot leave DIR, dot-files are hidden, directories are never listed; a missing file is
/// a 404 (the app is not asked).
/// </summary>
public sealed partial class StaticFileServer : IRequestShortcut
{
    private const string OriginalPathKey = "dram.static.original";
    private readonly Mount[] _mounts;
    private readonly int _maxHeaderFieldSize;

    private sealed record Mount(PathString Prefix, PhysicalFileProvider Files, StaticFileMiddleware Middleware);

    /// <param name="maxHeaderFieldSize">--limit-request-field_size, which static requests obey like the app's (0: no limit).</param>
    public StaticFileServer(IReadOnlyList<StaticMapping> mappings, int maxHeaderFieldSize, ILoggerFactory loggerFactory)
    {
        _maxHeaderFieldSize = maxHeaderFieldSize;
        var types = new FileExtensionContentTypeProvider();
        _mounts = mappings
            .OrderByDescending(m => m.Prefix.Length)
            .Select(m =>
            {
                var files = new PhysicalFileProvider(m.Directory);
                var options = new StaticFileOptions
                {
                    RequestPath = m.Prefix,
                    FileProvider = files,
                    ContentTypeProvider = types,
                    ServeUnknownFileTypes = true,
                    DefaultContentType = "application/octet-stream",
                    OnPrepareResponse = context => Prepare(context, types),
                };
                var middleware = new StaticFileMiddleware(NotFound, new Environment(m.Directory, files), Options.Create(options), loggerFactory);
                return new Mount(new PathString(m.Prefix), files, middleware);
            })
            .ToArray();
    }

    public Task? TryHandle(IFeatureCollection features)
    {
        var request = FeatureLookup.Required<IHttpRequestFeature>(features);
        var path = new PathString(request.Path);
        foreach (var mount in _mounts)
        {
            if (path.StartsWithSegments(mount.Prefix, out var rest))
            {
                if (HeaderFieldLimit.FirstOversized(request.Headers, _maxHeaderFieldSize) is not null)
                {
                    return PlainResponse.SendAsync(features, StatusCodes.Status431RequestHeaderFieldsTooLarge, closeConnection: false);
                }
                var context = new DefaultHttpContext(features);
                PickPrecompressed(context, mount, rest);
                return mount.Middleware.Invoke(context);
            }
        }
        return null;
    }

    /// <summary>Serves <c>name.br</c> or <c>name.gz</c> instead of <c>name</c> when it exists and the client accepts it.</summary>
    private static void PickPrecompressed(HttpContext context, Mount mount, PathString rest)
    {
        if (!rest.HasValue || !HttpMethods.IsGet(context.Request.Method) && !HttpMethods.IsHead(context.Request.Method))
        {
            return;
        }
        var accept = context.Request.Headers.AcceptEncoding.ToString();
        if (accept.Length == 0)
        {
            return;
        }
        foreach (var (token, suffix) in new[] { ("br", ".br"), ("gzip", ".gz") })
        {
            if (!Accepts(accept, token))
            {
                continue;
            }
            var candidate = mount.Files.GetFileInfo(rest.Value + suffix);
            if (candidate.Exists && !candidate.IsDirectory && mount.Files.GetFileInfo(rest.Value!).Exists)
            {
                context.Items[OriginalPathKey] = rest.Value;
                context.Items["dram.static.encoding"] = token;
                context.Request.Path = context.Request.Path + suffix;
                return;
            }
        }
    }

    private static bool Accepts(string acceptEncoding, string token)
    {
        foreach (var part in acceptEncoding.Split(','))
        {
            var item = part.Trim();
            var semicolon = item.IndexOf(';');
            var name = semicolon < 0 ? item : item[..semicolon].Trim();
            if (!name.Equals(token, StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }
            // "q=0" means "not acceptable".
            return semicolon < 0 || !item[(semicolon + 1)..].Replace(" ", "").Equals("q=0", StringComparison.OrdinalIgnoreCase);
        }
        return false;
    }

    private static void Prepare(StaticFileResponseContext context, FileExtensionContentTypeProvider types)
    {
        var headers = context.Context.Response.Headers;
        var name = context.File.Name;
        if (context.Context.Items.TryGetValue(OriginalPathKey, out var original) && original is string originalPath)
        {
            headers.ContentEncoding = (string)context.Context.Items["dram.static.encoding"]!;
            headers.ContentType = types.TryGetContentType(originalPath, out var type) ? type : "application/octet-stream";
            name = Path.GetFileName(originalPath);
        }
        headers.Vary = HeaderNames.AcceptEncoding;
        headers.CacheControl = HashedName().IsMatch(name) ? "public, max-age=31536000, immutable" : "public, max-age=3600";
    }

    /// <summary>A content hash in the name, as ManifestStaticFilesStorage and bundlers write it: base.0123456789ab.ext.</summary>
    [GeneratedRegex(@"\.[0-9a-f]{8,}\.[A-Za-z0-9]+(\.(br|gz))?$")]
    private static partial Regex HashedName();

    private static Task NotFound(HttpContext context)
    {
        context.Response.StatusCode = StatusCodes.Status404NotFound;
        return Task.CompletedTask;
    }

    /// <summary>The little of a hosting environment the static file middleware reads.</summary>
    private sealed class Environment(string root, IFileProvider files) : IWebHostEnvironment
    {
        public string WebRootPath { get; set; } = root;
        public IFileProvider WebRootFileProvider { get; set; } = files;
        public string ApplicationName { get; set; } = "dram";
        public IFileProvider ContentRootFileProvider { get; set; } = files;
        public string ContentRootPath { get; set; } = root;
        public string EnvironmentName { get; set; } = "Production";
    }
}
