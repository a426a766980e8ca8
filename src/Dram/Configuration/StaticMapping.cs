namespace Dram.Configuration;

/// <summary>One <c>--static-map PREFIX=DIR</c>: files of DIR served under the URL prefix.</summary>
public sealed record StaticMapping(string Prefix, string Directory)
{
    public static StaticMapping Parse(string text, string baseDirectory)
    {
        var eq = text.IndexOf('=');
        if (eq <= 0 || eq == text.Length - 1)
        {
            throw new UsageException($"--static-map {text}: expected URL_PREFIX=DIRECTORY, e.g. /static=/srv/mysite/staticfiles");
        }
        var prefix = text[..eq].TrimEnd('/');
        if (!prefix.StartsWith('/') || prefix.Length < 2)
        {
            throw new UsageException($"--static-map {text}: the URL prefix must start with '/' and not be '/' alone, e.g. /static");
        }
        var directory = Path.GetFullPath(text[(eq + 1)..], baseDirectory);
        if (!System.IO.Directory.Exists(directory))
        {
            throw new UsageException($"--static-map {text}: directory {directory} does not exist (run collectstatic first?)");
        }
        return new StaticMapping(prefix, directory);
    }
}
