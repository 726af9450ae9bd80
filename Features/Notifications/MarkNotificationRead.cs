using Dapper;
using FastEndpoints;
using MinimalBackend.Features.Users;
using MinimalBackend.Infrastructure.Security;
using Npgsql;

namespace MinimalBackend.Features.Notifications;

public sealed class MarkNotificationReadRequest
{
    public Guid Id { get; init; }
}

/// <summary>
/// Marks one of the signed-in user's notifications read; marking it again keeps the first time. Another user's
/// notification is as unknown as one that does not exist (404, not 403), so ids reveal nothing.
/// </summary>
public sealed class MarkNotificationReadEndpoint(NpgsqlDataSource database) : Endpoint<MarkNotificationReadRequest>
{
    public override void Configure()
    {
        Post("/api/notifications/{id}/read");
        Group<SignedInApi>();
        Description(d => d.Produces(StatusCodes.Status204NoContent).ProducesProblem(StatusCodes.Status404NotFound));
        Summary(s => s.Summary = "Mark one of the signed-in user's notifications read");
    }

    public override async Task HandleAsync(MarkNotificationReadRequest req, CancellationToken ct)
    {
        await using var connection = await database.OpenConnectionAsync(ct);
        var marked = await connection.ExecuteAsync(new CommandDefinition(
            "UPDATE notifications SET read_at = COALESCE(read_at, now()) WHERE id = @Id AND user_id = @UserId",
            new { req.Id, UserId = User.SignedInUserId() }, cancellationToken: ct));
        if (marked == 0)
        {
            await Send.ResultAsync(TypedResults.Problem(
                statusCode: StatusCodes.Status404NotFound, title: "Notification not found", detail: $"You have no notification with id {req.Id}."));
            return;
        }
        await Send.NoContentAsync(ct);
    }
}
