using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;

namespace Dram.Processes;

/// <summary>
/// Makes <c>ps</c> show each process's role — <c>dram: master [mysite.wsgi]</c>,
/// <c>dram: worker 2 [mysite.wsgi]</c> — as Gunicorn's processes do. .NET cannot rewrite its own
/// argv, so at start the process re-executes itself once with the title as its whole command line
/// and its real arguments in <see cref="ArgumentsVariable"/>.
/// </summary>
internal static partial class ProcessTitle
{
    public const string ArgumentsVariable = "DRAM_ARGS";

    private const int PrSetName = 15;

    [LibraryImport("libc", EntryPoint = "execv", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int ExecV(string path, nint[] argv);

    [LibraryImport("libc", EntryPoint = "setenv", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int SetEnv(string name, string value, int overwrite);

    /// <summary>The arguments this process was really given: from <see cref="ArgumentsVariable"/> after a re-exec, else argv.</summary>
    public static string[] Arguments(string[] argv)
    {
        var encoded = Environment.GetEnvironmentVariable(ArgumentsVariable);
        if (string.IsNullOrEmpty(encoded))
        {
            return argv;
        }
        using var document = JsonDocument.Parse(encoded);
        return document.RootElement.EnumerateArray().Select(e => e.GetString() ?? "").ToArray();
    }

    /// <summary>
    /// Writes <paramref name="title"/> over this process's command line in place, for a worker the
    /// Python executable runs (re-executing would start Python again): the kernel shows the memory
    /// between arg_start and arg_end of /proc/self/stat as the command line, and the Python
    /// bootstrap's arguments leave room for a title. Also names the main thread (comm) "dram".
    /// </summary>
    public static unsafe void Overwrite(string title)
    {
        if (Environment.GetEnvironmentVariable("DRAM_NO_PROCESS_TITLE") == "1")
        {
            return;
        }
        string stat;
        try
        {
            stat = File.ReadAllText("/proc/self/stat");
        }
        catch (IOException)
        {
            return;
        }
        // Fields after the command name, which may hold spaces: arg_start and arg_end are fields 48 and 49.
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        if (fields.Length < 47 || !ulong.TryParse(fields[45], out var start) || !ulong.TryParse(fields[46], out var end) || end <= start)
        {
            return;
        }
        var room = new Span<byte>((void*)start, (int)(end - start));
        var bytes = Encoding.UTF8.GetBytes(title);
        var length = Math.Min(bytes.Length, room.Length - 1);
        bytes.AsSpan(0, length).CopyTo(room);
        room[length..].Clear();
        fixed (byte* name = "dram\0"u8)
        {
            _ = Prctl(PrSetName, (nint)name, 0, 0, 0);
        }
    }

    [LibraryImport("libc", EntryPoint = "prctl")]
    private static partial int Prctl(int option, nint arg2, nint arg3, nint arg4, nint arg5);

    /// <summary>
    /// Re-executes this process with <paramref name="title"/> as its command line, unless it already
    /// carries it. Returns only when the title is in place or cannot be set (then nothing changes).
    /// </summary>
    public static void Apply(string title, string[] args)
    {
        if (!string.IsNullOrEmpty(Environment.GetEnvironmentVariable(ArgumentsVariable))
            || Environment.GetEnvironmentVariable("DRAM_NO_PROCESS_TITLE") == "1")
        {
            return;
        }
        var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartArray();
            foreach (var arg in args)
            {
                writer.WriteStringValue(arg);
            }
            writer.WriteEndArray();
        }
        if (SetEnv(ArgumentsVariable, Encoding.UTF8.GetString(buffer.ToArray()), 1) != 0)
        {
            return;
        }
        // The runtime reads this as it starts, so the re-executed process is the first that can have
        // it. Tiered compilation waits until no method has been compiled for this long before it
        // counts calls towards optimized code; the default 100 ms kept a server's request path in
        // unoptimized code for ten seconds and more of load (hello: 49-98 us of CPU per request
        // against 28-33 in the first 8 s), while 0 moved that compiling into start-up and cost
        // 0.2-0.3 s to the first answer on one core. 10 ms has neither cost (bench/NOTES.md). An
        // explicit setting in the environment is kept. Only the JIT build has tiers; the native
        // build leaves the app's environment alone.
        if (RuntimeFeature.IsDynamicCodeCompiled)
        {
            SetEnv("DOTNET_TC_CallCountingDelayMs", "10", 0);
        }
        // The collector sizes its youngest generation from the CPU's cache (tens of MB on a server
        // CPU), and a worker's request path allocates little that lives: a 4 MiB budget took a
        // Django worker from 114 to 102 MB RSS with no loss on hello (bench/NOTES.md). Hex, as the
        // runtime reads it; an explicit setting in the environment is kept.
        SetEnv("DOTNET_GCgen0size", "400000", 0);
        var titleBytes = Marshal.StringToCoTaskMemUTF8(title);
        var reset = IgnoredSignals.ResetForExec();
        ExecV("/proc/self/exe", [titleBytes, 0]);
        // Only reached when exec failed: run on with the original command line.
        IgnoredSignals.Restore(reset);
        Marshal.FreeCoTaskMem(titleBytes);
        Environment.SetEnvironmentVariable(ArgumentsVariable, null);
        SetEnv(ArgumentsVariable, "", 1);
    }
}
