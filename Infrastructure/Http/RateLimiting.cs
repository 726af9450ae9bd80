using System.Net;
using System.Net.Sockets;

namespace MinimalBackend.Infrastructure.Http;

/// <summary>
/// ASP.NET Core's rate limiter, answering a rejected request with 429 problem details and <c>Retry-After</c>
/// instead of its default bare 503. Features add their own policies and put them on their endpoints.
/// </summary>
public static class RateLimiting
{
    public static IServiceCollection AddRateLimitingWithProblemDetails(this IServiceCollection services) =>
        services.AddRateLimiter(options =>
        {
            options.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            options.OnRejected = (context, _) =>
                new ValueTask(RetryLaterProblems.TooManyRequests(context.HttpContext, context.Lease.RetryAfter()).ExecuteAsync(context.HttpContext));
        });

    /// <summary>
    /// The client's address as a partition key. An IPv6 client is keyed by its /64, the block one subscriber
    /// gets, or a single machine could rotate through addresses to escape its limit.
    /// </summary>
    // Behind a reverse proxy every client has the proxy's address, and these limits apply to everyone together, unless
    // ASPNETCORE_FORWARDEDHEADERS_ENABLED puts the forwarded client address here (README, Configuration).
    public static string ClientAddress(HttpContext context)
    {
        var address = context.Connection.RemoteIpAddress;
        if (address is null)
        {
            return "unknown";
        }
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }
        if (address.AddressFamily == AddressFamily.InterNetworkV6)
        {
            Span<byte> bytes = stackalloc byte[16];
            address.TryWriteBytes(bytes, out _);
            bytes[8..].Clear();
            return new IPAddress(bytes).ToString() + "/64";
        }
        return address.ToString();
    }
}
