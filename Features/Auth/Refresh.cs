using Dapper;
using FastEndpoints;
using Microsoft.Extensions.Options;
using MinimalBackend.Features.Users;
using Npgsql;

namespace MinimalBackend.Features.Auth;

/// <summary>
/// Exchanges a refresh token for a new access token and a new refresh token; the presented one is replaced.
/// A replaced token presented again within <see cref="AuthOptions.RefreshReuseGrace"/> of its replacement gets a
/// fresh pair of the same session: that is what two tabs refreshing at once, or a retry after a lost response, look
/// like. Presented later, it means two parties hold it (one of them stole it), and which one is the owner cannot
/// be told: the whole session (token family) is revoked and both must sign in again.
/// </summary>
public sealed partial class RefreshEndpoint(
    NpgsqlDataSource database, SessionTokens sessions, IOptions<AuthOptions> options, TimeProvider time, ILogger<RefreshEndpoint> logger)
    : Endpoint<RefreshTokenRequest, TokenResponse>
{
    public override void Configure()
    {
        Post("/api/auth/refresh");
        AllowAnonymous();
        Options(x => x.RequireRateLimiting(AuthRateLimits.PerClientAddress));
        Description(d => d.ProducesProblem(StatusCodes.Status401Unauthorized).ProducesProblem(StatusCodes.Status429TooManyRequests));
        Summary(s =>
        {
            s.Summary = "Rotate a refresh token: a new access token and a new refresh token";
            s.Responses[StatusCodes.Status401Unauthorized] = "The refresh token is unknown, expired, used or revoked: sign in again";
        });
    }

    public override async Task HandleAsync(RefreshTokenRequest req, CancellationToken ct)
    {
        SessionTokens.ForbidCaching(HttpContext.Response);
        await using var connection = await database.OpenConnectionAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        // The row lock orders refreshes racing with one token: the later one reads the earlier one's rotated_at.
        var token = await RefreshData.FindForUpdateAsync(connection, transaction, RefreshTokens.Hash(req.RefreshToken), ct);
        var role = token is null ? null : await UserAccounts.RoleAsync(connection, transaction, token.UserId, ct);
        var now = time.GetUtcNow();
        var withinGrace = token is { RotatedAt: { } rotatedAt } && now.UtcDateTime - rotatedAt <= options.Value.RefreshReuseGrace;
        if (token is { RotatedAt: not null, Revoked: false, Expired: false } && !withinGrace)
        {
            await RefreshData.RevokeFamilyAsync(connection, transaction, token.FamilyId, ct);
            await transaction.CommitAsync(ct);
            LogReuse(logger, token.FamilyId, token.UserId);
        }
        if (token is null || role is null || token.Revoked || token.Expired || (token.RotatedAt is not null && !withinGrace))
        {
            await Send.ResultAsync(TypedResults.Problem(
                statusCode: StatusCodes.Status401Unauthorized, title: "Invalid refresh token", detail: "The refresh token is unknown, expired, used or revoked. Sign in again."));
            return;
        }

        if (token.RotatedAt is null)
        {
            await RefreshData.MarkRotatedAsync(connection, transaction, token.Id, now, ct);
        }
        var tokens = await sessions.IssueAsync(connection, transaction, token.UserId, role, token.FamilyId, ct);
        await transaction.CommitAsync(ct);
        await Send.OkAsync(tokens, ct);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "A used refresh token was presented again: revoked token family {FamilyId} of user {UserId}")]
    private static partial void LogReuse(ILogger logger, Guid familyId, Guid userId);
}

public static class RefreshData
{
    public sealed record StoredToken(Guid Id, Guid FamilyId, Guid UserId, DateTime? RotatedAt, bool Revoked, bool Expired);

    /// <summary>Locks the token's row: of two refreshes racing with one token, the second waits, then sees when the first replaced it.</summary>
    public static Task<StoredToken?> FindForUpdateAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, byte[] hash, CancellationToken cancellationToken) =>
        connection.QuerySingleOrDefaultAsync<StoredToken>(new CommandDefinition(
            """
            SELECT id, family_id, user_id,
                   rotated_at, revoked_at IS NOT NULL AS revoked, expires_at <= now() AS expired
            FROM refresh_tokens
            WHERE token_hash = @Hash
            FOR UPDATE
            """,
            new { Hash = hash }, transaction, cancellationToken: cancellationToken));

    /// <summary>Stamped with the service's clock (not PostgreSQL's), the one the reuse grace is measured with.</summary>
    public static Task MarkRotatedAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Guid tokenId, DateTimeOffset now, CancellationToken cancellationToken) =>
        connection.ExecuteAsync(new CommandDefinition(
            "UPDATE refresh_tokens SET rotated_at = @Now WHERE id = @Id", new { Id = tokenId, Now = now }, transaction, cancellationToken: cancellationToken));

    public static Task RevokeFamilyAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, Guid familyId, CancellationToken cancellationToken) =>
        connection.ExecuteAsync(new CommandDefinition(
            "UPDATE refresh_tokens SET revoked_at = now() WHERE family_id = @FamilyId AND revoked_at IS NULL",
            new { FamilyId = familyId }, transaction, cancellationToken: cancellationToken));
}
