using System.Net;
using Microsoft.AspNetCore.Http;
using MinimalBackend.Infrastructure.Http;

namespace MinimalBackend.Tests.Infrastructure.Http;

public sealed class RateLimitingTests
{
    [Theory]
    [InlineData("203.0.113.7", "203.0.113.7")]
    [InlineData("::ffff:203.0.113.7", "203.0.113.7")]
    [InlineData("2001:db8:1:2:aaaa:bbbb:cccc:dddd", "2001:db8:1:2::/64")]
    [InlineData("2001:db8:1:2::1", "2001:db8:1:2::/64")]
    public void Clients_are_keyed_by_their_address_and_IPv6_clients_by_their_64_block(string address, string key)
    {
        var context = new DefaultHttpContext { Connection = { RemoteIpAddress = IPAddress.Parse(address) } };

        Assert.Equal(key, RateLimiting.ClientAddress(context));
    }
}
