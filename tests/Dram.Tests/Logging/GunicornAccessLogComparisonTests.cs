using System.Text;
using System.Text.RegularExpressions;
using Dram.Tests.Infrastructure;

namespace Dram.Tests.Logging;

/// <summary>
/// Gunicorn (from Debian) and Dram serve the same app and get the same request — query string,
/// Referer, User-Agent, Basic auth, a custom header with quotes in it — and their access log
/// lines are compared field by field. The time, the pid and the durations differ by nature and
/// are compared by shape.
/// </summary>
public sealed partial class GunicornAccessLogComparisonTests
{
    /// <summary>Every atom, tab-separated, plus an unknown one and an absent header (both "-").</summary>
    private const string EveryAtom = "%(h)s\t%(l)s\t%(u)s\t%(t)s\t%(r)s\t%(m)s\t%(U)s\t%(q)s\t%(H)s\t%(s)s\t%(b)s\t%(B)s\t%(f)s\t%(a)s\t"
        + "%(T)s\t%(M)s\t%(D)s\t%(L)s\t%(p)s\t%({X-Custom}i)s\t%({x-trace}o)s\t%({wsgi.url_scheme}e)s\t%({app.note}e)s\t"
        + "%({HTTP_X_CUSTOM}e)s\t%(zz)s\t%({absent}i)s";

    private static readonly string[] AtomNames =
        ["h", "l", "u", "t", "r", "m", "U", "q", "H", "s", "b", "B", "f", "a", "T", "M", "D", "L", "p", "{X-Custom}i", "{x-trace}o",
            "{wsgi.url_scheme}e", "{app.note}e", "{HTTP_X_CUSTOM}e", "zz", "{absent}i"];

    /// <summary>Fields whose values differ between two servers by nature, with the shape each must have.</summary>
    private static readonly Dictionary<string, Regex> ByShape = new()
    {
        ["t"] = ClfTime(),
        ["p"] = new Regex(@"^<\d+>$"),
        ["T"] = new Regex(@"^\d+$"),
        ["M"] = new Regex(@"^\d+$"),
        ["D"] = new Regex(@"^\d+$"),
        ["L"] = new Regex(@"^\d+\.\d{6}$"),
    };

    [SkippableFact]
    public async Task EveryAtomMatchesGunicornsLineForTheSameRequest()
    {
        Skip.IfNot(GunicornProcess.IsInstalled, $"{GunicornProcess.Executable} is missing (apt install gunicorn)");

        var (gunicornLine, dramLine) = await LogTheSameRequestAsync(["--access-logformat", EveryAtom]);

        var gunicornFields = gunicornLine.Split('\t');
        var dramFields = dramLine.Split('\t');
        Assert.Equal(AtomNames.Length, gunicornFields.Length);
        Assert.Equal(AtomNames.Length, dramFields.Length);
        for (var i = 0; i < AtomNames.Length; i++)
        {
            var atom = AtomNames[i];
            if (ByShape.TryGetValue(atom, out var shape))
            {
                Assert.True(shape.IsMatch(gunicornFields[i]), $"gunicorn's {atom} '{gunicornFields[i]}' does not look like {shape}");
                Assert.True(shape.IsMatch(dramFields[i]), $"dram's {atom} '{dramFields[i]}' does not look like {shape}");
            }
            else
            {
                Assert.True(gunicornFields[i] == dramFields[i], $"atom {atom}: gunicorn wrote '{gunicornFields[i]}', dram wrote '{dramFields[i]}'");
            }
        }
        // The comparison means something only if the request's details reached both logs.
        Assert.Equal("alice", dramFields[Array.IndexOf(AtomNames, "u")]);
        Assert.Equal("say \\\"hi\\\"", dramFields[Array.IndexOf(AtomNames, "{X-Custom}i")]);
        Assert.Equal("set by the app", dramFields[Array.IndexOf(AtomNames, "{app.note}e")]);
        Assert.Equal("/cafÃ©/a b", dramFields[Array.IndexOf(AtomNames, "U")]);
    }

    [SkippableFact]
    public async Task TheDefaultFormatMatchesGunicornsCombinedLine()
    {
        Skip.IfNot(GunicornProcess.IsInstalled, $"{GunicornProcess.Executable} is missing (apt install gunicorn)");

        var (gunicornLine, dramLine) = await LogTheSameRequestAsync([]);

        var gunicornTime = ClfTimeInLine().Match(gunicornLine);
        var dramTime = ClfTimeInLine().Match(dramLine);
        Assert.True(gunicornTime.Success, gunicornLine);
        Assert.True(dramTime.Success, dramLine);
        Assert.Equal(gunicornLine.Replace(gunicornTime.Value, "[TIME]"), dramLine.Replace(dramTime.Value, "[TIME]"));
        Assert.StartsWith("127.0.0.1 - alice [TIME] \"GET /caf%C3%A9/a%20b?x=1&y=%22two%22 HTTP/1.1\" 201 19 \"http://example.com/from?page=1\"",
            dramLine.Replace(dramTime.Value, "[TIME]"));
    }

    /// <summary>Starts both servers with <paramref name="formatArgs"/>, sends each the same request and returns each one's access log line.</summary>
    private static async Task<(string Gunicorn, string Dram)> LogTheSameRequestAsync(string[] formatArgs)
    {
        using var directory = new TemporaryDirectory();
        var gunicornLog = new LogFileLines(Path.Combine(directory.Path, "gunicorn-access.log"));
        var dramLog = new LogFileLines(Path.Combine(directory.Path, "dram-access.log"));
        await using var gunicorn = await GunicornProcess.StartAsync("access_log_app:application",
            ["--workers", "1", "--access-logfile", gunicornLog.Path, .. formatArgs]);
        await using var dram = await DramProcess.StartAsync("access_log_app:application",
            ["--access-logfile", dramLog.Path, .. formatArgs]);

        var gunicornResponse = await RawHttpConnection.ExchangeAsync(gunicorn.Port, Request(gunicorn.Port));
        var dramResponse = await RawHttpConnection.ExchangeAsync(dram.Port, Request(dram.Port));

        Assert.Equal(201, gunicornResponse.StatusCode);
        Assert.Equal(201, dramResponse.StatusCode);
        var gunicornLine = await gunicornLog.WaitForLineAsync("/caf%C3%A9/");
        var dramLine = await dramLog.WaitForLineAsync("/caf%C3%A9/");
        Assert.Single(gunicornLog.Lines());
        Assert.Single(dramLog.Lines());
        return (gunicornLine, dramLine);
    }

    private static string Request(int port)
    {
        var credentials = Convert.ToBase64String(Encoding.UTF8.GetBytes("alice:s3cret"));
        return "GET /caf%C3%A9/a%20b?x=1&y=%22two%22 HTTP/1.1\r\n"
            + $"Host: 127.0.0.1:{port}\r\n"
            + "Referer: http://example.com/from?page=1\r\n"
            + "User-Agent: access-log-test/1.0 (like \"curl\")\r\n"
            + $"Authorization: Basic {credentials}\r\n"
            + "X-Custom: say \"hi\"\r\n"
            + "Connection: close\r\n\r\n";
    }

    [GeneratedRegex(@"^\[\d{2}/(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)/\d{4}:\d{2}:\d{2}:\d{2} [+-]\d{4}\]$")]
    private static partial Regex ClfTime();

    [GeneratedRegex(@"\[\d{2}/[A-Z][a-z]{2}/\d{4}:\d{2}:\d{2}:\d{2} [+-]\d{4}\]")]
    private static partial Regex ClfTimeInLine();
}
