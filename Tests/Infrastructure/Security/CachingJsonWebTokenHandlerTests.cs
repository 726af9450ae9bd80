using System.Security.Claims;
using System.Text;
using Microsoft.Extensions.Time.Testing;
using Microsoft.IdentityModel.Tokens;
using MinimalBackend.Infrastructure.Security;
using MinimalBackend.Tests.Support;

namespace MinimalBackend.Tests.Infrastructure.Security;

// The handler remembers tokens it validated; what it hands back must still be what a full validation would say.
public sealed class CachingJsonWebTokenHandlerTests
{
    private static readonly DateTime Start = DateTime.UtcNow;
    private readonly FakeTimeProvider _time = new(Start);
    private readonly CachingJsonWebTokenHandler _handler;

    public CachingJsonWebTokenHandlerTests() => _handler = new CachingJsonWebTokenHandler(_time) { MapInboundClaims = false };

    private static TokenValidationParameters Parameters => WithKey(ServiceHost.SigningKey);

    private static TokenValidationParameters WithKey(string signingKey) => new()
    {
        ValidIssuer = TestTokens.Issuer,
        ValidAudience = TestTokens.Audience,
        IssuerSigningKey = new SymmetricSecurityKey(Encoding.UTF8.GetBytes(signingKey)),
        ValidAlgorithms = [SecurityAlgorithms.HmacSha256],
        ClockSkew = TimeSpan.FromSeconds(30),
    };

    [Fact]
    public async Task A_remembered_token_is_validated_in_full_again_once_its_expiry_and_the_clock_skew_have_passed()
    {
        var token = TestTokens.Sign(Guid.NewGuid(), expires: Start.AddMinutes(15));
        Assert.True((await _handler.ValidateTokenAsync(token, Parameters)).IsValid);

        // The handler's clock, not the validation's, is moved: a full validation shows itself by checking the
        // signature against parameters that no longer hold the key.
        _time.Advance(TimeSpan.FromMinutes(15) + TimeSpan.FromSeconds(31));
        Assert.False((await _handler.ValidateTokenAsync(token, WithKey("another-key-that-is-long-enough-for-hmac-sha256"))).IsValid);
    }

    [Fact]
    public async Task Each_validation_of_a_remembered_token_gets_its_own_identity_with_the_token_claims()
    {
        var userId = Guid.NewGuid();
        var token = TestTokens.Sign(userId, role: "admin");
        var first = await _handler.ValidateTokenAsync(token, Parameters);
        first.ClaimsIdentity.AddClaim(new Claim("added-by", "one request"));

        var second = await _handler.ValidateTokenAsync(token, Parameters);

        Assert.True(second.IsValid);
        Assert.NotSame(first.ClaimsIdentity, second.ClaimsIdentity);
        Assert.Null(second.ClaimsIdentity.FindFirst("added-by"));
        Assert.Equal(userId.ToString(), second.ClaimsIdentity.FindFirst("sub")?.Value);
        Assert.Equal("admin", second.ClaimsIdentity.FindFirst("role")?.Value);
        Assert.True(second.ClaimsIdentity.IsAuthenticated);
    }

    [Fact]
    public async Task A_refused_token_stays_refused_and_a_tampered_copy_of_a_remembered_one_is_refused()
    {
        var token = TestTokens.Sign(Guid.NewGuid());
        Assert.True((await _handler.ValidateTokenAsync(token, Parameters)).IsValid);

        Assert.False((await _handler.ValidateTokenAsync(TestTokens.Tampered(token, role: "admin"), Parameters)).IsValid);
        var wrongKey = TestTokens.Sign(Guid.NewGuid(), signingKey: "another-key-that-is-long-enough-for-hmac-sha256");
        Assert.False((await _handler.ValidateTokenAsync(wrongKey, Parameters)).IsValid);
        Assert.False((await _handler.ValidateTokenAsync(wrongKey, Parameters)).IsValid);
    }
}
