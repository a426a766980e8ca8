using Microsoft.Playwright;

namespace Dram.Tests.Django;

/// <summary>
/// mysite as examples/run.sh serves it (development settings, SQLite, /static/ from --static-map)
/// and a headless Chromium from Debian driven by Playwright, shared by a test class.
/// </summary>
public sealed class MysiteForBrowser : ServedMysite
{
    /// <summary>Chromium's flags for a sandbox-less, offline machine.</summary>
    private static readonly string[] ChromiumArgs =
    [
        "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run",
    ];

    private IPlaywright? _playwright;
    private IBrowser? _browser;

    public IBrowser Browser => _browser ?? throw new InvalidOperationException("Chromium is not started");

    public string BaseUrl => Dram.BaseUrl;

    protected override HostTool[] Tools => [HostTool.Django, HostTool.Chromium];

    protected override string DjangoEnv => "development";

    protected override async Task StartFrontAsync()
    {
        _playwright = await Playwright.CreateAsync();
        _browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = HostTool.Chromium.Path,
            Args = ChromiumArgs,
        });
    }

    protected override async ValueTask StopFrontAsync()
    {
        if (_browser is not null)
        {
            await _browser.DisposeAsync();
        }
        _playwright?.Dispose();
    }
}
