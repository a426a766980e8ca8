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
        if ((File.GetAttributes(path) & FileAttributes.Normal) != 0 || new FileInfo(path).Length > 0)
        {
            throw new BindException($"Cannot listen on unix:{path}: a regular file is in the way. Remove it or choose another path.");
        }
        using var probe = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            probe.Connect(new UnixDomainSocketEndPoint(path));
        }
        catch (SocketException)
        {
            File.Delete(path);
            return;
        }
        throw new BindException($"Cannot listen on unix:{path}: another server is accepting connections there. Stop it or choose another path.");
    }
}
