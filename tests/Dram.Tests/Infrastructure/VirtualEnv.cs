namespace Dram.Tests.Infrastructure;

/// <summary>A virtualenv made with <c>python -m venv --without-pip</c> in a temporary directory, removed on dispose.</summary>
public sealed class VirtualEnv : IDisposable
{
    private readonly TemporaryDirectory _directory;

    private VirtualEnv(TemporaryDirectory directory, string basePython)
    {
        _directory = directory;
        BasePython = basePython;
    }

    /// <summary>The venv directory (what VIRTUAL_ENV holds when it is activated).</summary>
    public string Root => Path.Combine(_directory.Path, "venv");

    /// <summary>bin/python of the venv, a symlink to the base interpreter.</summary>
    public string Python => Path.Combine(Root, "bin", "python");

    public string BasePython { get; }

    /// <summary>The venv's own site-packages directory.</summary>
    public string SitePackages { get; private set; } = "";

    /// <summary>Creates the venv; <paramref name="systemSitePackages"/> lets it see the base interpreter's site-packages.</summary>
    public static VirtualEnv Create(string basePython, bool systemSitePackages = false)
    {
        var directory = new TemporaryDirectory("dram-venv-");
        var venv = new VirtualEnv(directory, basePython);
        var (exitCode, output) = PythonInterpreters.Run(basePython,
            systemSitePackages ? ["-m", "venv", "--without-pip", "--system-site-packages", venv.Root] : ["-m", "venv", "--without-pip", venv.Root]);
        if (exitCode != 0)
        {
            directory.Dispose();
            throw new InvalidOperationException($"{basePython} -m venv failed: {output}");
        }
        var (ok, purelib) = PythonInterpreters.Run(venv.Python, ["-c", "import sysconfig; print(sysconfig.get_path('purelib'))"]);
        if (ok != 0 || !purelib.StartsWith(venv.Root, StringComparison.Ordinal))
        {
            directory.Dispose();
            throw new InvalidOperationException($"the venv's site-packages is not inside it: {purelib}");
        }
        venv.SitePackages = purelib;
        return venv;
    }

    /// <summary>Installs a one-file module into the venv's site-packages only.</summary>
    public string AddModule(string name, string source)
    {
        Directory.CreateDirectory(SitePackages);
        var path = Path.Combine(SitePackages, name + ".py");
        File.WriteAllText(path, source);
        return path;
    }

    public void Dispose() => _directory.Dispose();
}
