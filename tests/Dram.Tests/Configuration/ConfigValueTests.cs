using Dram.Configuration;

namespace Dram.Tests.Configuration;

/// <summary>
/// The one conversion from a config-file value (as config_file.py describes it) to a setting's text,
/// by kind, for settings of every kind, including kinds no current setting of a config file exercises.
/// </summary>
public sealed class ConfigValueTests
{
    private static readonly Setting Flag = new("some_flag", ["--some-flag"], SettingKind.Flag, "", null, "A flag.");
    private static readonly Setting CommaList = new("some_list", ["--some-list"], SettingKind.Text, "ITEMS", null, "Comma-separated.");
    private static readonly Setting Repeated = new("some_items", ["--some-item"], SettingKind.Repeated, "KEY=VALUE", null, "Repeated.",
        v => v.Contains('=') ? null : "must look like KEY=VALUE");
    private static readonly Setting Number = new("some_number", ["--some-number"], SettingKind.Integer, "INT", "7", "A number.");

    private static ConfigValue.Described Value(string kind, params string[] texts) => new(kind, texts, "<repr>", kind);

    private static IReadOnlyList<string> Convert(Setting setting, ConfigValue.Described value) =>
        ConfigValue.ToSettingValues(setting, value, "/srv/gunicorn.conf.py");

    [Theory]
    [InlineData("bool", "true", true)]
    [InlineData("bool", "false", false)]
    [InlineData("str", "True", true)]
    [InlineData("str", " false ", false)]
    [InlineData("int", "1", true)]
    [InlineData("int", "0", false)]
    public void AFlagIsOnOrLeftUnset(string kind, string text, bool on)
    {
        Assert.Equal(on ? ["true"] : [], Convert(Flag, Value(kind, text)));
    }

    [Theory]
    [InlineData("str", "yes")]
    [InlineData("int", "2")]
    [InlineData("list", "a")]
    public void AFlagRefusesWhatIsNotABoolean(string kind, string text)
    {
        var error = Assert.Throws<UsageException>(() => Convert(Flag, Value(kind, text)));
        Assert.StartsWith("/srv/gunicorn.conf.py: some_flag = <repr>: ", error.Message);
        Assert.Contains("some_flag takes True or False", error.Message);
    }

    [Fact]
    public void NoneLeavesEverySettingUnset()
    {
        foreach (var setting in new[] { Flag, CommaList, Repeated, Number })
        {
            Assert.Empty(Convert(setting, Value("none")));
        }
    }

    [Fact]
    public void AListOrDictBecomesACommaListForATextSettingAndItemsForARepeatedOne()
    {
        Assert.Equal(["a,b,c"], Convert(CommaList, Value("list", "a", "b", "c")));
        Assert.Equal(["K=V,L=W"], Convert(CommaList, Value("dict", "K=V", "L=W")));
        Assert.Equal(["K=V", "L=W"], Convert(Repeated, Value("dict", "K=V", "L=W")));
        Assert.Equal(["K=V"], Convert(Repeated, Value("str", "K=V")));
    }

    [Fact]
    public void ARepeatedSettingChecksEachItem()
    {
        var error = Assert.Throws<UsageException>(() => Convert(Repeated, Value("list", "K=V", "broken")));
        Assert.Equal("/srv/gunicorn.conf.py: some_items = <repr>: must look like KEY=VALUE", error.Message);
    }

    [Theory]
    [InlineData("int", "12", "12")]
    [InlineData("float", "12.0", "12")]
    [InlineData("str", " 12 ", "12")]
    public void ANumberIsTakenAsWritten(string kind, string text, string expected)
    {
        Assert.Equal([expected], Convert(Number, Value(kind, text)));
    }

    [Theory]
    [InlineData("float", "12.5", "a non-whole number is not accepted; some_number takes a whole number, e.g. some_number = 7")]
    [InlineData("bool", "true", "a bool is not accepted; some_number takes a whole number")]
    [InlineData("str", "-3", "not a whole number >= 0")]
    [InlineData("callable", "", "a function is not accepted")]
    public void ANumberRefusesWhatIsNotAWholeNumber(string kind, string text, string problem)
    {
        var error = Assert.Throws<UsageException>(() => Convert(Number, Value(kind, text)));
        Assert.StartsWith($"/srv/gunicorn.conf.py: some_number = <repr>: {problem}", error.Message);
    }
}
