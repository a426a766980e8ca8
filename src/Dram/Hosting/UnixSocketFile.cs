using System.Net.Sockets;

namespace Dram.Hosting;

/// <summary>The file of a unix listening socket.</summary>
internal static class UnixSocketFile
{
    /// <summary>A socket file left by a server that died would make the bind fail; a live one is reported instead.</summary>
    public static void RemoveStale(string path)
    {
        if (!File.Exists(path))
        {
            return;
        }
        // .NET reports a socket file and a regular file alike, so only content or a successful
        // open() tells a regular file: open() of a socket fails (ENXIO).
        if (new FileInfo(path).Length > 0)
        {
            throw RegularFileInTheWay(path);
        }
        using (var probe = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified))
        {
            try
            {
                probe.Connect(new UnixDomainSocketEndPoint(path));
                throw new BindException($"Cannot listen on unix:{path}: another server is accepting connections there. Stop it or choose another path.");
            }
            catch (SocketException)
            {
            }
        }
        try
        {
            using var opened = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        }
        catch (IOException)
        {
            File.Delete(path);
            return;
        }
        throw RegularFileInTheWay(path);
    }

    private static BindException RegularFileInTheWay(string path) =>
        new($"Cannot listen on unix:{path}: a regular file is in the way. Remove it or choose another path.");
}
