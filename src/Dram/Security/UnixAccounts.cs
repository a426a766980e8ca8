using System.Globalization;
using System.Runtime.InteropServices;

namespace Dram.Security;

/// <summary>
/// The system's user and group database (passwd, group, through NSS, so LDAP and systemd accounts
/// resolve too) and the calling process's credentials.
/// </summary>
internal static unsafe partial class UnixAccounts
{
    private const int ErrorRange = 34;

    /// <summary>CAP_SETGID and CAP_SETUID, bit numbers in /proc/self/status's CapEff mask.</summary>
    public const int CapSetGid = 6;
    public const int CapSetUid = 7;

    [StructLayout(LayoutKind.Sequential)]
    private struct Passwd
    {
        public byte* Name;
        public byte* Password;
        public uint Uid;
        public uint Gid;
        public byte* Gecos;
        public byte* Home;
        public byte* Shell;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct Group
    {
        public byte* Name;
        public byte* Password;
        public uint Gid;
        public byte** Members;
    }

    /// <summary>A user's name, uid and primary gid.</summary>
    public sealed record User(string Name, uint Uid, uint Gid);

    public static User? FindUser(string name) => LookUpUser(name, 0, byName: true);

    public static User? FindUser(uint uid) => LookUpUser(null, uid, byName: false);

    /// <summary>A group's name and gid, or null.</summary>
    public static (string Name, uint Gid)? FindGroup(string name) => LookUpGroup(name, 0, byName: true);

    public static (string Name, uint Gid)? FindGroup(uint gid) => LookUpGroup(null, gid, byName: false);

    public static uint EffectiveUid => GetEuid();

    public static uint EffectiveGid => GetEgid();

    /// <summary>Whether this process holds a capability (root normally holds all).</summary>
    public static bool HasCapability(int capability)
    {
        foreach (var line in File.ReadLines("/proc/self/status"))
        {
            if (line.StartsWith("CapEff:", StringComparison.Ordinal)
                && ulong.TryParse(line.AsSpan(7).Trim(), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var mask))
            {
                return (mask & (1UL << capability)) != 0;
            }
        }
        return EffectiveUid == 0;
    }

    private static User? LookUpUser(string? name, uint uid, bool byName)
    {
        for (var size = 1024; ; size *= 4)
        {
            var buffer = new byte[size];
            Passwd entry;
            Passwd* found;
            int error;
            fixed (byte* b = buffer)
            {
                error = byName ? GetPwNam(name!, &entry, b, (nuint)size, &found) : GetPwUid(uid, &entry, b, (nuint)size, &found);
                if (error == 0)
                {
                    return found == null ? null : new User(Marshal.PtrToStringUTF8((nint)found->Name) ?? "", found->Uid, found->Gid);
                }
            }
            if (error != ErrorRange || size > 1 << 20)
            {
                return null;
            }
        }
    }

    private static (string Name, uint Gid)? LookUpGroup(string? name, uint gid, bool byName)
    {
        // Groups with many members need large buffers.
        for (var size = 4096; ; size *= 4)
        {
            var buffer = new byte[size];
            Group entry;
            Group* found;
            int error;
            fixed (byte* b = buffer)
            {
                error = byName ? GetGrNam(name!, &entry, b, (nuint)size, &found) : GetGrGid(gid, &entry, b, (nuint)size, &found);
                if (error == 0)
                {
                    return found == null ? null : (Marshal.PtrToStringUTF8((nint)found->Name) ?? "", found->Gid);
                }
            }
            if (error != ErrorRange || size > 1 << 24)
            {
                return null;
            }
        }
    }

    [LibraryImport("libc", EntryPoint = "getpwnam_r", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int GetPwNam(string name, Passwd* entry, byte* buffer, nuint size, Passwd** result);

    [LibraryImport("libc", EntryPoint = "getpwuid_r")]
    private static partial int GetPwUid(uint uid, Passwd* entry, byte* buffer, nuint size, Passwd** result);

    [LibraryImport("libc", EntryPoint = "getgrnam_r", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int GetGrNam(string name, Group* entry, byte* buffer, nuint size, Group** result);

    [LibraryImport("libc", EntryPoint = "getgrgid_r")]
    private static partial int GetGrGid(uint gid, Group* entry, byte* buffer, nuint size, Group** result);

    [LibraryImport("libc", EntryPoint = "geteuid")]
    private static partial uint GetEuid();

    [LibraryImport("libc", EntryPoint = "getegid")]
    private static partial uint GetEgid();
}
