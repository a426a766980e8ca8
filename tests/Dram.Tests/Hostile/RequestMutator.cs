using System.Text;

namespace Dram.Tests.Hostile;

/// <summary>
/// Makes hostile requests from valid ones, reproducibly: case N of seed S is always the same bytes,
/// whatever order cases run in. Mutations are the ones parsers trip over: flipped, inserted and
/// deleted bytes, duplicated, swapped and foreign header lines, corrupted chunk sizes, changed line
/// endings, truncation, and random splits across writes.
/// </summary>
public sealed class RequestMutator(int seed)
{
    /// <summary>Valid requests, all to /echo, mutated into the cases.</summary>
    private static readonly string[] Corpus =
    [
        "GET /echo?q=1&r=two HTTP/1.1\r\nHost: localhost\r\nUser-Agent: fuzz/1\r\nAccept: */*\r\n\r\n",
        "POST /echo HTTP/1.1\r\nHost: localhost\r\nContent-Type: text/plain\r\nContent-Length: 11\r\n\r\nhello world",
        "POST /echo HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n",
        "POST /echo?ext HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\nTrailer: X-Sum\r\n\r\n4;name=value\r\nbody\r\n0\r\nX-Sum: 4\r\n\r\n",
        "GET /echo?first HTTP/1.1\r\nHost: localhost\r\n\r\nPOST /echo?second HTTP/1.1\r\nHost: localhost\r\nContent-Length: 3\r\n\r\nabc",
        "GET /echo HTTP/1.0\r\nConnection: keep-alive\r\n\r\n",
        "POST /echo HTTP/1.1\r\nHost: localhost\r\nExpect: 100-continue\r\nContent-Length: 4\r\n\r\nwait",
        "GET /echo/caf%C3%A9?x=%20y HTTP/1.1\r\nHost: localhost:8000\r\nCookie: a=1; b=2\r\nCookie: c=3\r\nX-Forwarded-For: 10.0.0.1\r\nAccept-Language: de\r\n\r\n",
        "GET http://localhost/echo?absolute HTTP/1.1\r\nHost: localhost\r\n\r\n",
        "PUT /echo HTTP/1.1\r\nHost: localhost\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
    ];

    private static readonly byte[] InterestingBytes = [.. "\r\n\0 \t:,;09afF+-\""u8, 0x0b, 0x7f, 0x80, 0xa0, 0xff];

    private static readonly string[] ForeignLines =
    [
        "Transfer-Encoding: chunked", "Transfer-Encoding: xchunked", "Transfer-Encoding: chunked, identity",
        "Content-Length: 7", "Content-Length: +3", "Content-Length: 0", "Content-Length: 99999999999999999999",
        "Content-Length: 3, 3", " folded continuation", "\tfolded", "Host: evil.example", "Expect: 100-continue",
        "Connection: close", "Connection: keep-alive, Upgrade", "Upgrade: h2c", "X_Underscore: spoof", "X-Empty:",
        ": no-name", "No-Colon", "X-Nul: a\0b",
    ];

    /// <summary>Sent after the mutated bytes of most cases: once the server reads it, it answers and closes.</summary>
    public static readonly byte[] Closing = "GET /echo?closing HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"u8.ToArray();

    private static readonly string[] ChunkSizes =
        ["+5", "0x5", "-1", "5 ", " 5", "5;x", "", "0", "7fffffff", "FFFFFFFFFFFFFFFFF", "00000000000000000005", "5\n", "g"];

    /// <summary>DRAM_FUZZ_SEED when set (to replay a failure), else a new random seed.</summary>
    public static int SeedFromEnvironment() =>
        Environment.GetEnvironmentVariable("DRAM_FUZZ_SEED") is { Length: > 0 } text
            ? int.Parse(text, System.Globalization.CultureInfo.InvariantCulture)
            : Random.Shared.Next();

    /// <summary>DRAM_FUZZ_CASES when set, else <paramref name="standard"/>.</summary>
    public static int CasesFromEnvironment(int standard) =>
        Environment.GetEnvironmentVariable("DRAM_FUZZ_CASES") is { Length: > 0 } text
            ? int.Parse(text, System.Globalization.CultureInfo.InvariantCulture)
            : standard;

    public int Seed => seed;

    public FuzzCase Make(int index)
    {
        var random = new Random(unchecked(seed * 1_000_003 + index));
        var source = random.Next(Corpus.Length);
        var bytes = new List<byte>(Encoding.Latin1.GetBytes(Corpus[source]));
        var recipe = new List<string> { $"corpus[{source}]" };
        var mutations = 1 + random.Next(3);
        for (var m = 0; m < mutations; m++)
        {
            recipe.Add(Mutate(random, bytes));
        }
        var mutated = bytes.ToArray();
        var pieces = Split(random, mutated);
        recipe.Add($"{pieces.Count} write(s)");
        // A quarter of the cases end with a half-close; the rest with a closing request.
        var halfClose = random.Next(4) == 0;
        if (halfClose)
        {
            recipe.Add("then half-closed");
            return new FuzzCase(index, mutated, pieces, true, string.Join(", ", recipe));
        }
        pieces.Add(Closing);
        recipe.Add("then a closing request");
        return new FuzzCase(index, [.. mutated, .. Closing], pieces, false, string.Join(", ", recipe));
    }

    private static string Mutate(Random random, List<byte> bytes)
    {
        if (bytes.Count == 0)
        {
            bytes.Add((byte)'G');
            return "seeded an empty request";
        }
        var at = random.Next(bytes.Count);
        switch (random.Next(10))
        {
            case 0:
                var bit = random.Next(8);
                bytes[at] ^= (byte)(1 << bit);
                return $"flip bit {bit} of byte {at}";
            case 1:
                var replacement = Pick(random, InterestingBytes);
                bytes[at] = replacement;
                return $"byte {at} := 0x{replacement:x2}";
            case 2:
                var inserted = Enumerable.Range(0, 1 + random.Next(3)).Select(_ => Pick(random, InterestingBytes)).ToArray();
                bytes.InsertRange(at, inserted);
                return $"insert {Convert.ToHexString(inserted)} at {at}";
            case 3:
                var count = Math.Min(1 + random.Next(8), bytes.Count - at);
                bytes.RemoveRange(at, count);
                return $"delete {count} at {at}";
            case 4:
                return DuplicateLine(random, bytes);
            case 5:
                return SwapLines(random, bytes);
            case 6:
                var line = Pick(random, ForeignLines);
                var lineStart = LineStarts(bytes).Skip(1).DefaultIfEmpty(bytes.Count).ToList();
                var where = Pick(random, lineStart);
                bytes.InsertRange(where, Encoding.Latin1.GetBytes(line + "\r\n"));
                return $"insert line '{line}' at {where}";
            case 7:
                return CorruptChunkSize(random, bytes);
            case 8:
                var cut = random.Next(bytes.Count);
                bytes.RemoveRange(cut, bytes.Count - cut);
                return $"truncate at {cut}";
            default:
                return ChangeLineEnding(random, bytes);
        }
    }

    private static string DuplicateLine(Random random, List<byte> bytes)
    {
        var lines = HeaderLines(bytes);
        if (lines.Count == 0)
        {
            return "no header line to duplicate";
        }
        var (start, length) = Pick(random, lines);
        var copy = bytes.GetRange(start, length);
        bytes.InsertRange(start + length, copy);
        return $"duplicate line at {start}";
    }

    private static string SwapLines(Random random, List<byte> bytes)
    {
        var lines = HeaderLines(bytes);
        if (lines.Count < 2)
        {
            return "too few header lines to swap";
        }
        var first = random.Next(lines.Count - 1);
        var (aStart, aLength) = lines[first];
        var (bStart, bLength) = lines[first + 1];
        var a = bytes.GetRange(aStart, aLength);
        var b = bytes.GetRange(bStart, bLength);
        bytes.RemoveRange(aStart, aLength + bLength);
        bytes.InsertRange(aStart, b.Concat(a));
        return $"swap lines at {aStart} and {bStart}";
    }

    private static string CorruptChunkSize(Random random, List<byte> bytes)
    {
        var text = Encoding.Latin1.GetString(bytes.ToArray());
        var body = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        if (body < 0 || !text.Contains("chunked", StringComparison.OrdinalIgnoreCase))
        {
            return "no chunked body";
        }
        var lineStart = body + 4;
        var lineEnd = text.IndexOf("\r\n", lineStart, StringComparison.Ordinal);
        if (lineEnd < 0)
        {
            return "no chunk size line";
        }
        var size = Pick(random, ChunkSizes);
        bytes.RemoveRange(lineStart, lineEnd - lineStart);
        bytes.InsertRange(lineStart, Encoding.Latin1.GetBytes(size));
        return $"chunk size := '{size}'";
    }

    private static string ChangeLineEnding(Random random, List<byte> bytes)
    {
        var ends = new List<int>();
        for (var i = 0; i + 1 < bytes.Count; i++)
        {
            if (bytes[i] == '\r' && bytes[i + 1] == '\n')
            {
                ends.Add(i);
            }
        }
        if (ends.Count == 0)
        {
            return "no CRLF";
        }
        var at = Pick(random, ends);
        if (random.Next(2) == 0)
        {
            bytes.RemoveAt(at);
            return $"CRLF at {at} := LF";
        }
        bytes.RemoveAt(at + 1);
        return $"CRLF at {at} := CR";
    }

    /// <summary>Offsets where a line starts, up to the end of the first head.</summary>
    private static List<int> LineStarts(List<byte> bytes)
    {
        var starts = new List<int> { 0 };
        for (var i = 0; i + 1 < bytes.Count; i++)
        {
            if (bytes[i] == '\n')
            {
                if (i >= 3 && bytes[i - 1] == '\r' && bytes[i - 2] == '\n')
                {
                    break;
                }
                starts.Add(i + 1);
            }
        }
        return starts;
    }

    /// <summary>The header lines of the first head (start, length including CRLF).</summary>
    private static List<(int Start, int Length)> HeaderLines(List<byte> bytes)
    {
        var starts = LineStarts(bytes);
        var lines = new List<(int, int)>();
        for (var i = 1; i + 1 < starts.Count; i++)
        {
            lines.Add((starts[i], starts[i + 1] - starts[i]));
        }
        return lines;
    }

    private static List<byte[]> Split(Random random, byte[] all)
    {
        var pieces = new List<byte[]>();
        var cuts = Enumerable.Range(0, random.Next(4)).Select(_ => random.Next(all.Length + 1)).Distinct().Order().ToList();
        var from = 0;
        foreach (var cut in cuts.Append(all.Length))
        {
            if (cut > from)
            {
                pieces.Add(all[from..cut]);
                from = cut;
            }
        }
        return pieces;
    }

    private static T Pick<T>(Random random, IReadOnlyList<T> items) => items[random.Next(items.Count)];
}
