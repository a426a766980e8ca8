namespace Dram.Wsgi.Logs;

/// <summary>
/// One piece of a compiled access log format: literal text, or a field with the printf-style
/// width, precision and alignment it was written with (<c>%(h)-15s</c>, <c>%(D)8d</c>).
/// </summary>
/// <param name="Atom">What the piece stands for.</param>
/// <param name="Text">The literal text, or the header or environ name of a <c>{name}</c> field.</param>
/// <param name="Slot">For <c>{name}</c> fields, where the entry keeps the captured value.</param>
/// <param name="Width">Minimum width (0: none).</param>
/// <param name="Precision">Maximum characters of text (-1: no limit).</param>
/// <param name="LeftAlign">Pad on the right (<c>-</c> flag).</param>
/// <param name="ZeroPad">Pad numbers with zeros (<c>0</c> flag with <c>d</c>).</param>
internal readonly record struct AccessLogSegment(
    AccessLogAtom Atom,
    string Text,
    int Slot = -1,
    int Width = 0,
    int Precision = -1,
    bool LeftAlign = false,
    bool ZeroPad = false);
