using System.Runtime.InteropServices;

namespace Dram.Security;

/// <summary>
/// Switches a worker to its <see cref="WorkerAccount"/>: supplementary groups, then the group, then
/// the user, before Python starts, so no app code ever runs with the master's privileges. glibc
/// applies each change to every thread of the process (the .NET runtime has several by now).
/// </summary>
internal static partial class PrivilegeDrop
{
    /// <summary>Switches, then checks the result; throws <see cref="InvalidOperationException"/> saying which step failed.</summary>
    public static void Apply(WorkerAccount account)
    {
        if (account.InitGroups && account.UserName is { } name)
        {
            Check(InitGroups(name, account.Gid), $"initgroups({name}, {account.Gid})");
        }
        else
        {
            Check(SetGroups(0, 0), "setgroups([])");
        }
        Check(SetGid(account.Gid), $"setgid({account.Gid})");
        Check(SetUid(account.Uid), $"setuid({account.Uid})");

        if (GetUid() != account.Uid || GetEuid() != account.Uid || GetGid() != account.Gid || GetEgid() != account.Gid)
        {
            throw new InvalidOperationException($"after the switch the process runs as uid {GetUid()}/{GetEuid()}, gid {GetGid()}/{GetEgid()}, "
                + $"not {account.Display}");
        }
        if (account.Uid != 0 && SetUid(0) == 0)
        {
            throw new InvalidOperationException("after the switch the process could become root again");
        }
    }

    private static void Check(int result, string call)
    {
        if (result != 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            throw new InvalidOperationException($"{call} failed: {Marshal.GetPInvokeErrorMessage(errno)}");
        }
    }

    [LibraryImport("libc", EntryPoint = "initgroups", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int InitGroups(string user, uint gid);

    [LibraryImport("libc", EntryPoint = "setgroups", SetLastError = true)]
    private static partial int SetGroups(nuint size, nint list);

    [LibraryImport("libc", EntryPoint = "setgid", SetLastError = true)]
    private static partial int SetGid(uint gid);

    [LibraryImport("libc", EntryPoint = "setuid", SetLastError = true)]
    private static partial int SetUid(uint uid);

    [LibraryImport("libc", EntryPoint = "getuid")]
    private static partial uint GetUid();

    [LibraryImport("libc", EntryPoint = "geteuid")]
    private static partial uint GetEuid();

    [LibraryImport("libc", EntryPoint = "getgid")]
    private static partial uint GetGid();

    [LibraryImport("libc", EntryPoint = "getegid")]
    private static partial uint GetEgid();
}
