using Dapper;
using FastEndpoints;
using MinimalBackend.Features.Users;
using MinimalBackend.Infrastructure.Security;
using Npgsql;

namespace MinimalBackend.Features.Notifications;

/// <summary>Marks every unread notification of the signed-in user read, as of now.</summary>
public sealed class MarkAllNotificationsReadEndpoint(NpgsqlDataSource database) : EndpointWithoutRequest
{
    public override void Configure()
    {
        Post("/api/notifications/read-all");
        Group<SignedInApi>();
        Description(d => d.Produces(StatusCodes.Status204NoContent));
        Summary(s => s.Summary = "Mark all of the signed-in user's notifications read");
    }

    public override async Task HandleAsync(CancellationToken ct)
    {
        await using var connection = await database.OpenConnectionAsync(ct);
        await connection.ExecuteAsync(new CommandDefinition(
            "UPDATE notifications SET read_at = now() WHERE user_id = @UserId AND read_at IS NULL",
            new { UserId = User.SignedInUserId() }, cancellationToken: ct));
        await Send.NoContentAsync(ct);
    }
}
