using System.Runtime.InteropServices;

namespace Dram.Python;

/// <summary>
/// The process environment as C code sees it. .NET keeps its own copy on Unix, so a variable meant
/// for the embedded interpreter (read at <c>Py_Initialize</c> into <c>os.environ</c>) must be set here.
/// </summary>
public static partial class NativeEnvironment
{
    [LibraryImport("libc", EntryPoint = "setenv", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int SetEnv(string name, string value, int overwrite);

    public static void Set(string name, string value)
    {
        if (SetEnv(name, value, 1) != 0)
        {
            throw new ArgumentException($"cannot set environment variable '{name}'");
        }
        Environment.SetEnvironmentVariable(name, value);
    }
}
