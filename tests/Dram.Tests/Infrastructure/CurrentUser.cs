using System.Runtime.InteropServices;

namespace Dram.Tests.Infrastructure;

/// <summary>The account the tests run as (CI runs them as root; servers that refuse root need to know).</summary>
public static partial class CurrentUser
{
    public static bool IsRoot => GetEuid() == 0;

    public static string Name => System.Environment.UserName;

    [LibraryImport("libc", EntryPoint = "geteuid")]
    private static partial uint GetEuid();
}
