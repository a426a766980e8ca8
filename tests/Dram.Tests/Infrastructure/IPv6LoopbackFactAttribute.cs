using System.Net;
using System.Net.Sockets;

namespace Dram.Tests.Infrastructure;

/// <summary>A fact that is skipped when this machine cannot listen on the IPv6 loopback [::1].</summary>
public sealed class IPv6LoopbackFactAttribute : FactAttribute
{
    private static readonly Lazy<bool> Available = new(() =>
    {
        if (!Socket.OSSupportsIPv6)
        {
            return false;
        }
        try
        {
            using var listener = new TcpListener(IPAddress.IPv6Loopback, 0);
            listener.Start();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    });

    public override string? Skip
    {
        get => Available.Value ? null : "this machine has no IPv6 loopback ([::1]) to listen on";
        set => throw new NotSupportedException("the skip reason is decided by the network configuration");
    }
}
