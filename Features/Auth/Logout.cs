using Dapper;
using FastEndpoints;
using Npgsql;

namespace MinimalBackend.Features.Auth;

/// <summary>
/// Ends the session the refresh token belongs to: it and every token of its family are revoked. Always 204,
/// also for a token that is unknown or already revoked (RFC 7009, section 2.2): the answer says nothing
/// about which tokens exist. Access tokens already issued stay valid until they expire (15 minutes by default).
/// </summary>
public sealed class LogoutEndpoint(NpgsqlDataSource database) : Endpoint<RefreshTokenRequest>
{
    public override void Configure()
    {
        Post("/api/auth/logout");
        AllowAnonymous();
        Description(d => d.Produces(StatusCodes.Status204NoContent));
        Summary(s => s.Summary = "Sign out: revoke the refresh token's session");
    }

    public override async Task HandleAsync(RefreshTokenRequest req, CancellationToken ct)
    {
        await using var connection = await database.OpenConnectionAsync(ct);
        await connection.ExecuteAsync(new CommandDefinition(
            """
            UPDATE refresh_tokens SET revoked_at = now()
            WHERE family_id = (SELECT family_id FROM refresh_tokens WHERE token_hash = @Hash) AND revoked_at IS NULL
            """,
            new { Hash = RefreshTokens.Hash(req.RefreshToken) }, cancellationToken: ct));
        await Send.NoContentAsync(ct);
    }
}
