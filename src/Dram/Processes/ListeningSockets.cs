using System.Net;
using System.Net.Sockets;
using Dram.Configuration;
using Dram.Hosting;

namespace Dram.Processes;

/// <summary>
/// The master's listening sockets, bound once and shared by every worker (handed over as file
/// descriptors), so workers come and go without the address ever closing.
/// </summary>
public sealed partial class ListeningSockets : IDisposable
{
    private readonly List<Socket> _sockets = [];

    /// <param name="tls">TCP binds serve TLS (shown as https:// in the log).</param>
    /// <param name="owner">The account unix socket files are handed to (--user/--group), or null.</param>
    public ListeningSockets(IReadOnlyList<BindAddress> binds, int backlog, int umask, bool tls = false, Dram.Security.WorkerAccount? owner = null)
    {
        Binds = binds;
        var displays = new List<string>();
        try
        {
            foreach (var bind in binds)
            {
                var opened = Open(bind, backlog, umask).ToList();
                _sockets.AddRange(opened);
                if (bind.UnixPath is { } path)
                {
                    HandOver(path, owner);
                }
                // Port 0 asks the system for a free port: show the one it chose.
                var display = bind.Port == 0 && bind.UnixPath is null && bind.FileDescriptor is null && opened.Count > 0
                    && opened[0].LocalEndPoint is IPEndPoint { Port: > 0 } actual
                        ? bind.WithPort(actual.Port).Display
                        : bind.Display;
                displays.Add(tls && display.StartsWith("http://", StringComparison.Ordinal) ? "https://" + display["http://".Length..] : display);
            }
            Displays = displays;
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    private ListeningSockets(IReadOnlyList<(int Descriptor, string Name)> inherited)
    {
        Binds = [];
        foreach (var (descriptor, _) in inherited)
        {
            _sockets.Add(new Socket(new SafeSocketHandle(descriptor, ownsHandle: true)));
        }
        Displays = inherited.Select(s => $"fd://{s.Descriptor} (systemd socket {s.Name})").ToList();
    }

    /// <summary>Sockets systemd bound and passed in (socket activation).</summary>
    public static ListeningSockets FromSystemd(IReadOnlyList<(int Descriptor, string Name)> inherited) => new(inherited);

    public IReadOnlyList<BindAddress> Binds { get; }

    /// <summary>How each listening socket is shown in the log.</summary>
    public IReadOnlyList<string> Displays { get; private init; } = [];

    /// <summary>Descriptor numbers in bind order (localhost binds count twice: IPv4 and IPv6).</summary>
    public int[] Descriptors => _sockets.Select(s => (int)s.Handle).ToArray();

    [System.Runtime.InteropServices.LibraryImport("libc", EntryPoint = "umask")]
    private static partial uint SetUmask(uint mask);

    /// <summary>Gives a unix socket file to the workers' account, so a proxy in that group can connect under a restrictive --umask.</summary>
    private static void HandOver(string path, Dram.Security.WorkerAccount? owner)
    {
        try
        {
            owner?.GiveOwnership(path);
        }
        catch (IOException e)
        {
            throw new BindException($"Cannot listen on unix:{path}: {e.Message}.");
        }
    }

    private static IEnumerable<Socket> Open(BindAddress bind, int backlog, int umask)
    {
        if (bind.FileDescriptor is { } fd)
        {
            return [new Socket(new SafeSocketHandle(fd, ownsHandle: true))];
        }
        if (bind.UnixPath is { } path)
        {
            UnixSocketFile.RemoveStale(path);
            var unix = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            try
            {
                // The socket file's mode comes from the umask at bind time (--umask, default 0 as in
                // Gunicorn, so a proxy running as another user can connect).
                var previous = SetUmask((uint)umask);
                try
                {
                    unix.Bind(new UnixDomainSocketEndPoint(path));
                }
                finally
                {
                    SetUmask(previous);
                }
                unix.Listen(backlog);
            }
            catch (SocketException e)
            {
                unix.Dispose();
                var directory = Path.GetDirectoryName(path);
                throw new BindException(directory is not null && !Directory.Exists(directory)
                    ? $"Cannot listen on unix:{path}: the directory {directory} does not exist. Create it (systemd: RuntimeDirectory=) or choose another path."
                    : $"Cannot listen on unix:{path}: {e.Message}.");
            }
            return [unix];
        }
        var endpoints = bind.IsLocalhost
            ? new[] { new IPEndPoint(IPAddress.Loopback, bind.Port), new IPEndPoint(IPAddress.IPv6Loopback, bind.Port) }
            : [new IPEndPoint(bind.Address!, bind.Port)];
        var opened = new List<Socket>();
        foreach (var endpoint in endpoints)
        {
            var socket = new Socket(endpoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
            try
            {
                socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
                if (endpoint.AddressFamily == AddressFamily.InterNetworkV6)
                {
                    socket.DualMode = endpoint.Address.Equals(IPAddress.IPv6Any);
                }
                socket.Bind(endpoint);
                socket.Listen(backlog);
                opened.Add(socket);
            }
            catch (SocketException e) when (bind.IsLocalhost && endpoint.AddressFamily == AddressFamily.InterNetworkV6 && e.SocketErrorCode == SocketError.AddressNotAvailable)
            {
                // No IPv6 loopback on this machine: localhost means 127.0.0.1 only.
                socket.Dispose();
            }
            catch (SocketException e)
            {
                socket.Dispose();
                foreach (var s in opened)
                {
                    s.Dispose();
                }
                throw new BindException(Describe(bind, e));
            }
        }
        return opened;
    }

    private static string Describe(BindAddress bind, SocketException e)
    {
        var reason = e.SocketErrorCode switch
        {
            SocketError.AddressAlreadyInUse => "the address is already in use (another server is listening there; find it with: ss -ltnp 'sport = :" + bind.Port + "')",
            SocketError.AccessDenied => "permission denied (ports below 1024 need root or CAP_NET_BIND_SERVICE; or choose a port >= 1024)",
            SocketError.AddressNotAvailable => "the address does not belong to this machine (use 0.0.0.0 for all interfaces, or 127.0.0.1)",
            _ => e.Message,
        };
        return $"Cannot listen on {bind.Display}: {reason}.";
    }

    public void RemoveUnixSocketFiles()
    {
        foreach (var bind in Binds)
        {
            if (bind.UnixPath is { } path)
            {
                try
                {
                    File.Delete(path);
                }
                catch (IOException)
                {
                }
            }
        }
    }

    public void Dispose()
    {
        foreach (var socket in _sockets)
        {
            socket.Dispose();
        }
        _sockets.Clear();
    }
}
