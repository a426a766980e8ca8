using System.Globalization;
using System.Text;
using Microsoft.Extensions.Primitives;

namespace Dram.Wsgi.Logs;

/// <summary>
/// What every line of one worker shares (its pid and number, how it reads forwarded headers and
/// its mount point), and the fields derived from an entry the way the app saw them. Used by the
/// writer thread only.
/// </summary>
internal sealed class AccessLogContext(int pid, int worker, ForwardedTrust trust, string scriptName)
{
    private readonly byte[] _scriptName = Encoding.Latin1.GetBytes(scriptName);

    public int Pid { get; } = pid;

    public int Worker { get; } = worker;

    /// <summary>Gunicorn's <c>p</c> atom: <c>&lt;pid&gt;</c>.</summary>
    public string PidAtom { get; } = string.Create(CultureInfo.InvariantCulture, $"<{pid}>");

    /// <summary>REMOTE_ADDR as the app saw it; "" for a unix-socket peer with no forwarded address.</summary>
    public string RemoteAddress(AccessLogEntry entry) => trust.RemoteAddress(entry.Peer, entry.ForwardedFor);

    public string PathInfo(AccessLogEntry entry) => RequestTarget.PathInfo(entry.Target, _scriptName);

    /// <summary>The local time the request ended, as Gunicorn prints it.</summary>
    public static DateTimeOffset LocalTime(AccessLogEntry entry) => new DateTimeOffset(entry.Completed, TimeSpan.Zero).ToLocalTime();

    /// <summary>A header as the environ holds it: repeated values joined with ","; null when absent.</summary>
    public static string? Joined(StringValues values) => values.Count switch
    {
        0 => null,
        1 => values[0],
        _ => string.Join(',', (IEnumerable<string?>)values),
    };

    /// <summary>
    /// The user name of <c>Authorization: Basic base64(user:password)</c>, or null: absent, another
    /// scheme, not base64, not UTF-8, or without a colon.
    /// </summary>
    public static string? User(StringValues authorization)
    {
        var header = Joined(authorization);
        if (header is null || !header.StartsWith("basic", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }
        var space = header.IndexOf(' ');
        if (space < 0)
        {
            return null;
        }
        var encoded = header[(space + 1)..].Trim();
        var bytes = new byte[encoded.Length];
        if (!Convert.TryFromBase64String(encoded, bytes, out var length))
        {
            return null;
        }
        string credentials;
        try
        {
            credentials = new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(bytes, 0, length);
        }
        catch (DecoderFallbackException)
        {
            return null;
        }
        var colon = credentials.IndexOf(':');
        return colon < 0 ? null : credentials[..colon];
    }
}
