using Dram.Tests.Infrastructure;

namespace Dram.Tests;

/// <summary>tests/apps/flask_site/flaskapp.py served as flaskapp:app by the distribution's Python, with 2 threads.</summary>
public sealed class FlaskSite : LazySharedDram
{
    public static readonly string Directory = Path.Combine(Repo.Apps, "flask_site");

    protected override Task<DramProcess> StartAsync() =>
        DramProcess.StartAsync("flaskapp:app", ["--python", PythonInterpreters.SystemPython, "--threads", "2"], chdir: Directory);
}
