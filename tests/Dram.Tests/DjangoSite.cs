using Dram.Tests.Infrastructure;

namespace Dram.Tests;

/// <summary>tests/apps/django_site served through its stock wsgi.py by the distribution's Python, with 4 threads.</summary>
public sealed class DjangoSite : LazySharedDram
{
    public static readonly string Directory = Path.Combine(Repo.Apps, "django_site");

    protected override Task<DramProcess> StartAsync() =>
        DramProcess.StartAsync("mysite.wsgi", ["--python", PythonInterpreters.SystemPython, "--threads", "4"], chdir: Directory);
}
