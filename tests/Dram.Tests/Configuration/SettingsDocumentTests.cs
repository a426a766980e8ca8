using Dram.Configuration;
using Dram.Wsgi.Hooks;
using Dram.Tests.Infrastructure;

namespace Dram.Tests.Configuration;

/// <summary>docs/settings.md is generated from the settings and hooks declared in the code and must match them.</summary>
public sealed class SettingsDocumentTests
{
    [Fact]
    public void TheCommittedSettingsReferenceIsWhatTheCodeGenerates()
    {
        var path = Path.Combine(Repo.Root, "docs", "settings.md");
        var committed = File.Exists(path) ? File.ReadAllText(path) : "";
        var generated = SettingsReference.Markdown();
        if (committed == generated)
        {
            return;
        }
        var committedLines = committed.Split('\n');
        var generatedLines = generated.Split('\n');
        var line = 0;
        while (line < committedLines.Length && line < generatedLines.Length && committedLines[line] == generatedLines[line])
        {
            line++;
        }
        Assert.Fail($"docs/settings.md differs from what the settings in the code generate, from line {line + 1}:\n" +
            $"  committed: {(line < committedLines.Length ? committedLines[line] : "(end of file)")}\n" +
            $"  generated: {(line < generatedLines.Length ? generatedLines[line] : "(end of file)")}\n" +
            $"Regenerate it with: {SettingsReference.RegenerateCommand}");
    }

    [Fact]
    public void TheReferenceNamesEverySettingItsFlagsAndEveryHook()
    {
        var generated = SettingsReference.Markdown();
        foreach (var setting in Settings.All)
        {
            Assert.Contains($"| `{setting.Name}`", generated);
            foreach (var flag in setting.Flags)
            {
                Assert.Contains($"`{flag}`", generated);
            }
        }
        foreach (var hook in ServerHooks.All)
        {
            Assert.Contains($"`{hook.Signature}`", generated);
        }
    }
}
