using System.Security.Cryptography;
using System.Text.RegularExpressions;
using Dram.Tests.Infrastructure;
using Microsoft.Playwright;

namespace Dram.Tests.Django;

/// <summary>
/// A person's path through mysite in headless Chromium: log into the admin, add a note, upload a
/// file through the site's form. Screenshots of each step are kept in tests/artifacts/django/.
/// </summary>
public sealed partial class DjangoInBrowserTests(MysiteForBrowser served) : IClassFixture<MysiteForBrowser>
{
    private static readonly string Artifacts = Path.Combine(Repo.Root, "tests", "artifacts", "django");

    // Where a form's submit leads is asserted with Expect, which the Playwright driver polls for,
    // not with WaitForURLAsync: when the page is already there that call waits for the "load"
    // event instead, checking and then subscribing on the client, and on a busy machine the event
    // can arrive in between and is never seen again (playwright-dotnet #3364 and #3365; the test
    // then timed out while the server's log showed every request answered). The element the test
    // reads next is waited for too, with room for a slow CI box.
    private static readonly PageAssertionsToHaveURLOptions Arrived = new() { Timeout = 60_000 };
    private static readonly PageWaitForSelectorOptions Shown = new() { Timeout = 60_000 };

    /// <summary>Logs in on the admin's login page as a person would; returns the page, now on the admin index.</summary>
    private async Task<IPage> LoggedInPageAsync(IBrowserContext context)
    {
        var page = await context.NewPageAsync();
        await page.GotoAsync(served.BaseUrl + "/admin/");
        Assert.EndsWith("/admin/login/?next=/admin/", page.Url);
        await page.FillAsync("#id_username", DjangoSite.AdminUser);
        await page.FillAsync("#id_password", served.Site.AdminPassword);
        await page.ClickAsync("input[type=submit]");
        await Assertions.Expect(page).ToHaveURLAsync(served.BaseUrl + "/admin/", Arrived);
        await page.WaitForSelectorAsync("#site-name", Shown);
        return page;
    }

    /// <summary>A fresh browser profile (no cookies); skips when Chromium or Django is missing.</summary>
    private Task<IBrowserContext> NewContextAsync()
    {
        Skip.If(served.SkipReason is not null, served.SkipReason);
        Directory.CreateDirectory(Artifacts);
        return served.Browser.NewContextAsync(new BrowserNewContextOptions { ViewportSize = new ViewportSize { Width = 1100, Height = 700 } });
    }

    [SkippableFact]
    public async Task AdminLoginThenAddANote()
    {
        await using var context = await NewContextAsync();
        var page = await context.NewPageAsync();
        await page.GotoAsync(served.BaseUrl + "/admin/");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(Artifacts, "1-admin-login.png") });

        page = await LoggedInPageAsync(context);
        Assert.Equal("Site administration | Django site admin", await page.TitleAsync());
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(Artifacts, "2-admin-index.png") });

        var title = "Written in Chromium " + Guid.NewGuid().ToString("N")[..8];
        await page.GotoAsync(served.BaseUrl + "/admin/notes/note/add/");
        await page.FillAsync("#id_title", title);
        await page.FillAsync("#id_body", "Added through the Django admin, served by Dram.");
        await page.ClickAsync("input[name=_save]");
        await Assertions.Expect(page).ToHaveURLAsync(served.BaseUrl + "/admin/notes/note/", Arrived);
        await page.WaitForSelectorAsync(".messagelist", Shown);
        Assert.Contains("was added successfully", await page.InnerTextAsync(".messagelist"));
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(Artifacts, "3-admin-note-added.png") });

        await page.GotoAsync(served.BaseUrl + "/");
        Assert.Contains(title, await page.InnerTextAsync("ul.notes"));
        // The stylesheet came through --static-map: its colour is on the heading.
        Assert.Equal("rgb(138, 75, 8)", await page.EvalOnSelectorAsync<string>("h1", "e => getComputedStyle(e).color"));
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(Artifacts, "4-home-with-note.png") });
    }

    [SkippableFact]
    public async Task UploadFormStoresTheChosenFile()
    {
        await using var context = await NewContextAsync();
        var page = await LoggedInPageAsync(context);
        var content = new byte[2 * 1024 * 1024 + 99];
        Random.Shared.NextBytes(content);

        await page.GotoAsync(served.BaseUrl + "/upload/");
        await page.SetInputFilesAsync("#id_file", new FilePayload { Name = "from-chromium.bin", MimeType = "application/octet-stream", Buffer = content });
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(Artifacts, "5-upload-form.png") });
        await page.ClickAsync("main button[type=submit]");
        await Assertions.Expect(page).ToHaveURLAsync(AttachmentPage(), Arrived);
        await page.WaitForSelectorAsync("#sha256", Shown);

        Assert.Equal(content.Length.ToString(), await page.InnerTextAsync("#size"));
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(content)), await page.InnerTextAsync("#sha256"));
        Assert.Equal("from-chromium.bin", await page.InnerTextAsync("h1"));
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(Artifacts, "6-upload-stored.png") });
    }

    [GeneratedRegex("/attachments/[0-9]+/$")]
    private static partial Regex AttachmentPage();
}
