namespace Dram.Wsgi;

/// <summary>
/// A request refused before the app is called (an over-long header field, contradictory secure
/// scheme headers): it is answered with <see cref="StatusCode"/> instead.
/// </summary>
internal sealed class RequestRejectedException(int statusCode, string reason) : Exception(reason)
{
    public int StatusCode { get; } = statusCode;
}
