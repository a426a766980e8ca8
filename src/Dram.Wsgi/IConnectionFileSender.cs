using Microsoft.Win32.SafeHandles;

namespace Dram.Wsgi;

/// <summary>
/// A connection whose bytes Dram sends itself (plain HTTP/1.1), offered to a response whose body
/// is a regular file (wsgi.file_wrapper): the file goes to the socket with sendfile(2), from the
/// page cache, instead of being read into a buffer and written out again.
/// </summary>
/// <remarks>
/// The response still writes the file's length through Kestrel, as bytes whose content does not
/// matter, so that Kestrel's own accounting (Content-Length, data rates, keep-alive) stays whole;
/// the connection sends the file in their place.
/// </remarks>
internal interface IConnectionFileSender
{
    /// <summary>Bytes written to the connection so far (the headers and bodies before, included).</summary>
    long Written { get; }

    /// <summary>
    /// Sends <paramref name="count"/> bytes of <paramref name="file"/> from <paramref name="offset"/>
    /// in place of the <paramref name="count"/> bytes written next, starting at connection position
    /// <paramref name="at"/>. Completes when they are sent; false when the connection ended first or
    /// the file ended early (the connection is then closed, as its Content-Length cannot be met).
    /// Null when this file cannot be sent that way; nothing was promised then.
    /// </summary>
    Task<bool>? SendInPlace(SafeFileHandle file, long offset, long count, long at);

    /// <summary>
    /// Stops sending, for a connection being aborted with a body it cannot finish: the pending
    /// <see cref="SendInPlace"/> completes (false) without waiting for bytes that will not come.
    /// </summary>
    void Abandon();
}
