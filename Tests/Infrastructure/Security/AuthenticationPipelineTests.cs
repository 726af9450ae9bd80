using System.Net;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using MinimalBackend.Tests.Support;

namespace MinimalBackend.Tests.Infrastructure.Security;

/// <summary>
/// Only requests that present a token are authenticated, and those once. WebApplication adds an
/// authentication middleware of its own in front of the pipeline unless it sees one was added, so a
/// token check that is skipped "for anonymous requests" can quietly run on every request.
/// </summary>
[Collection(nameof(AuthenticationPipelineTests))]
public sealed class AuthenticationPipelineTests(DatabaseFixture database)
{
    [CollectionDefinition(nameof(AuthenticationPipelineTests))]
    public sealed class OwnDatabase : ICollectionFixture<DatabaseFixture>;

    [Fact]
    public async Task A_request_without_a_token_is_not_authenticated_and_one_with_a_token_is_authenticated_once()
    {
        var authentications = new AuthenticationCounter();
        await using var host = new ServiceHost(database.ConnectionString, services: services =>
        {
            services.AddSingleton(authentications);
            services.AddScoped<IAuthenticationService>(provider =>
                new CountingAuthenticationService(ActivatorUtilities.CreateInstance<AuthenticationService>(provider), authentications));
        });
        using var client = host.CreateSocketClient();
        var account = await TestAccounts.SignUpAsync(client);

        var anonymous = await client.GetAsync("/api/info");
        var anonymousCount = authentications.Count;
        var withToken = await client.GetAsync("/api/users/me", account.AccessToken);

        Assert.Equal(HttpStatusCode.OK, anonymous.StatusCode);
        Assert.Equal(0, anonymousCount);
        Assert.Equal(HttpStatusCode.OK, withToken.StatusCode);
        Assert.Equal(1, authentications.Count);
    }

    private sealed class AuthenticationCounter
    {
        private int _count;

        public int Count => Volatile.Read(ref _count);

        public void Add() => Interlocked.Increment(ref _count);
    }

    private sealed class CountingAuthenticationService(IAuthenticationService inner, AuthenticationCounter counter) : IAuthenticationService
    {
        public Task<AuthenticateResult> AuthenticateAsync(HttpContext context, string? scheme)
        {
            counter.Add();
            return inner.AuthenticateAsync(context, scheme);
        }

        public Task ChallengeAsync(HttpContext context, string? scheme, AuthenticationProperties? properties) => inner.ChallengeAsync(context, scheme, properties);

        public Task ForbidAsync(HttpContext context, string? scheme, AuthenticationProperties? properties) => inner.ForbidAsync(context, scheme, properties);

        public Task SignInAsync(HttpContext context, string? scheme, System.Security.Claims.ClaimsPrincipal principal, AuthenticationProperties? properties) =>
            inner.SignInAsync(context, scheme, principal, properties);

        public Task SignOutAsync(HttpContext context, string? scheme, AuthenticationProperties? properties) => inner.SignOutAsync(context, scheme, properties);
    }
}
