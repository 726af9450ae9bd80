using System.Net;
using System.Net.Sockets;

namespace MinimalBackend.Tests.Support;

public sealed class LocalNetworkTests
{
    [Fact]
    public void Free_ports_are_distinct_outside_the_ephemeral_range_and_can_be_listened_on()
    {
        var range = File.ReadAllText("/proc/sys/net/ipv4/ip_local_port_range").Split('\t', ' ').Where(p => p.Length > 0).Select(int.Parse).ToArray();

        var ports = Enumerable.Range(0, 50).Select(_ => LocalNetwork.FreePort()).ToList();

        Assert.Equal(ports.Count, ports.Distinct().Count());
        Assert.All(ports, port => Assert.True(port < range[0] || port > range[1], $"{port} is in the ephemeral range {range[0]}-{range[1]}"));
        foreach (var port in ports)
        {
            using var listener = new TcpListener(IPAddress.Loopback, port);
            listener.Start();
        }
    }

    [Fact]
    public void A_port_with_an_outgoing_connection_on_it_cannot_be_listened_on_which_is_why_free_ports_avoid_that_range()
    {
        // The kernel's behaviour FreePort works around, shown here so that the reason stays checkable.
        using var server = new TcpListener(IPAddress.Loopback, 0);
        server.Start();
        using var client = new TcpClient();
        client.Connect((IPEndPoint)server.LocalEndpoint);
        var clientPort = ((IPEndPoint)client.Client.LocalEndPoint!).Port;

        using var listener = new TcpListener(IPAddress.Loopback, clientPort);
        var refused = Assert.Throws<SocketException>(listener.Start);

        Assert.Equal(SocketError.AddressAlreadyInUse, refused.SocketErrorCode);
    }
}
