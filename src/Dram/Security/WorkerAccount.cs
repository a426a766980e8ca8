using System.Globalization;
using System.Runtime.InteropServices;
using Dram.Configuration;

namespace Dram.Security;

/// <summary>
/// The account workers switch to (<c>--user</c>, <c>--group</c>, <c>--initgroups</c>), resolved
/// once from names or numeric ids. The master keeps the account it was started as, so it can bind
/// privileged ports and read TLS keys; it hands the unix socket files and the pidfile to this
/// account. Unlike Gunicorn, which keeps the master's group when only <c>--user</c> is given,
/// workers then take that user's primary group, as <c>su</c> and systemd's <c>User=</c> do.
/// </summary>
public sealed partial record WorkerAccount
{
    public required uint Uid { get; init; }

    public required uint Gid { get; init; }

    /// <summary>The user's name, for initgroups; null when the uid has no passwd entry.</summary>
    public string? UserName { get; init; }

    /// <summary>Supplementary groups: every group of <see cref="UserName"/> (<c>--initgroups</c>) or none.</summary>
    public bool InitGroups { get; init; }

    /// <summary>How the log names it, e.g. "user nobody (65534), group nogroup (65534)".</summary>
    public required string Display { get; init; }

    /// <summary>Resolves the settings; null when neither --user nor --group is given. Throws <see cref="UsageException"/>.</summary>
    public static WorkerAccount? From(string? user, string? group, bool initGroups)
    {
        if (user is null && group is null)
        {
            if (initGroups)
            {
                throw new UsageException("--initgroups needs --user: it gives the workers the supplementary groups of that user");
            }
            return null;
        }

        UnixAccounts.User? account = null;
        uint uid;
        if (user is null)
        {
            uid = UnixAccounts.EffectiveUid;
            account = UnixAccounts.FindUser(uid);
        }
        else if (TryId(user, out uid))
        {
            account = UnixAccounts.FindUser(uid);
        }
        else
        {
            account = UnixAccounts.FindUser(user)
                ?? throw new UsageException($"--user {user}: no such user (check the name with: getent passwd {user})");
            uid = account.Uid;
        }

        uint gid;
        string groupName;
        if (group is not null)
        {
            if (TryId(group, out gid))
            {
                groupName = UnixAccounts.FindGroup(gid)?.Name ?? "";
            }
            else
            {
                var found = UnixAccounts.FindGroup(group)
                    ?? throw new UsageException($"--group {group}: no such group (check the name with: getent group {group})");
                (groupName, gid) = found;
            }
        }
        else if (account is not null)
        {
            gid = account.Gid;
            groupName = UnixAccounts.FindGroup(gid)?.Name ?? "";
        }
        else
        {
            throw new UsageException($"--user {user}: no account has uid {uid}, so its primary group is unknown; give --group too");
        }

        var canSetGroups = UnixAccounts.HasCapability(UnixAccounts.CapSetGid);
        if (uid == UnixAccounts.EffectiveUid && gid == UnixAccounts.EffectiveGid && !canSetGroups)
        {
            // Started as that account already (systemd User=): nothing to switch.
            return null;
        }
        if ((uid != UnixAccounts.EffectiveUid && !UnixAccounts.HasCapability(UnixAccounts.CapSetUid)) || !canSetGroups)
        {
            var asked = user is not null ? $"--user {user}" : $"--group {group}";
            throw new UsageException($"{asked}: switching the workers' account needs root (dram runs as uid {UnixAccounts.EffectiveUid}); "
                + "start dram as root, or drop --user/--group and start it as the account it should run as");
        }

        return new WorkerAccount
        {
            Uid = uid,
            Gid = gid,
            UserName = account?.Name,
            InitGroups = initGroups,
            Display = $"user {Name(account?.Name, uid)}, group {Name(groupName, gid)}",
        };
    }

    /// <summary>Hands a file the master created (a unix socket, the pidfile) to this account.</summary>
    public void GiveOwnership(string path)
    {
        if (Chown(path, Uid, Gid) != 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            throw new IOException($"cannot hand {path} to {Display}: {Marshal.GetPInvokeErrorMessage(errno)}");
        }
    }

    private static string Name(string? name, uint id) =>
        string.IsNullOrEmpty(name) ? id.ToString(CultureInfo.InvariantCulture) : $"{name} ({id})";

    /// <summary>A numeric id, as Gunicorn takes "33" for uid 33 even when a user is named "33".</summary>
    private static bool TryId(string text, out uint id) =>
        uint.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out id) && id != uint.MaxValue;

    [LibraryImport("libc", EntryPoint = "chown", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int Chown(string path, uint uid, uint gid);
}
