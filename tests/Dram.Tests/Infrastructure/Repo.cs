namespace Dram.Tests.Infrastructure;

/// <summary>Paths inside this checkout.</summary>
public static class Repo
{
    public static string Root { get; } = FindRoot();

    /// <summary>The test apps directory (tests/apps).</summary>
    public static string Apps => Path.Combine(Root, "tests", "apps");

    public static string Examples => Path.Combine(Root, "examples");

    private static string FindRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null)
        {
            if (File.Exists(Path.Combine(dir.FullName, "dram")) && File.Exists(Path.Combine(dir.FullName, "Dram.slnx")))
            {
                return dir.FullName;
            }
            dir = dir.Parent;
        }
        throw new InvalidOperationException("cannot find the repository root (the directory holding ./dram) above " + AppContext.BaseDirectory);
    }
}
