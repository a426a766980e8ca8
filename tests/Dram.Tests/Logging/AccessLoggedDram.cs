using Dram.Tests.Infrastructure;

namespace Dram.Tests.Logging;

/// <summary>
/// One dram serving the access log test app for a test class, with an access log file whose
/// format holds every atom, tab-separated, after the request's <c>X-Mark</c> header so each test
/// finds the line of its own request. It also maps <c>/static</c> to a directory with one file,
/// mounts the app at <c>/mnt</c> and times requests out after 3 s.
/// </summary>
public sealed class AccessLoggedDram : IAsyncLifetime
{
    /// <summary>The fields of <see cref="Format"/>, in order.</summary>
    public static readonly string[] Fields =
        ["mark", "h", "l", "u", "t", "r", "m", "U", "q", "H", "s", "b", "B", "f", "a", "T", "M", "D", "L", "p",
            "{X-Multi}o", "{app.note}e", "{SCRIPT_NAME}e", "printf"];

    public const string StaticFileContent = "static file served without Python\n";

    private const string Format = "%({X-Mark}i)s\t%(h)s\t%(l)s\t%(u)s\t%(t)s\t%(r)s\t%(m)s\t%(U)s\t%(q)s\t%(H)s\t%(s)s\t%(b)s\t%(B)s\t"
        + "%(f)s\t%(a)s\t%(T)s\t%(M)s\t%(D)s\t%(L)s\t%(p)s\t%({X-Multi}o)s\t%({app.note}e)s\t%({SCRIPT_NAME}e)s\t"
        + "[%(s)5s][%(m)-6s][%(B)05d][%(H).4s]";

    private readonly TemporaryDirectory _directory = new("dram-access-");
    private DramProcess? _dram;

    public DramProcess Dram => _dram ?? throw new InvalidOperationException("the access-logged dram has not started");

    public LogFileLines Log { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        var statics = _directory.Write("static/hello.txt", StaticFileContent);
        Log = new LogFileLines(Path.Combine(_directory.Path, "access.log"));
        _dram = await DramProcess.StartAsync("access_log_app:application",
            ["--access-logfile", Log.Path, "--access-logformat", Format, "--threads", "4", "--timeout", "3",
                "--root-path", "/mnt", "--static-map", $"/static={Path.GetDirectoryName(statics)}"]);
    }

    /// <summary>The fields of the line whose X-Mark is <paramref name="mark"/>, by atom; waits for it.</summary>
    public async Task<IReadOnlyDictionary<string, string>> LineAsync(string mark, TimeSpan? timeout = null)
    {
        var line = await Log.WaitForLineAsync(l => l.StartsWith(mark + "\t", StringComparison.Ordinal), $"X-Mark {mark}", timeout);
        var values = line.Split('\t');
        Assert.True(values.Length == Fields.Length, $"expected {Fields.Length} tab-separated fields: {line}");
        return Fields.Zip(values).ToDictionary(p => p.First, p => p.Second);
    }

    public async Task DisposeAsync()
    {
        if (_dram is not null)
        {
            await _dram.DisposeAsync();
        }
        _directory.Dispose();
    }
}
