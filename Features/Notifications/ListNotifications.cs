using Dapper;
using FastEndpoints;
using FluentValidation.Results;
using MinimalBackend.Features.Users;
using MinimalBackend.Infrastructure.Http;
using MinimalBackend.Infrastructure.Json;
using MinimalBackend.Infrastructure.OpenApi;
using MinimalBackend.Infrastructure.Security;
using Npgsql;

namespace MinimalBackend.Features.Notifications;

public sealed record ListNotificationsRequest(int PageSize = Paging.DefaultPageSize, string? Cursor = null, bool UnreadOnly = false);

/// <summary>A stored notification as its owner reads it: the <c>notification</c> message's fields and when it was read.</summary>
public sealed record NotificationResponse(Guid Id, string Title, string Body, [property: JsonObjectValue] StoredJson Data, DateTime CreatedAt, DateTime? ReadAt);

/// <summary>A page of notifications (the shared list envelope) and how many of the user's notifications are unread.</summary>
public sealed record NotificationPageResponse(IReadOnlyList<NotificationResponse> Items, string? NextCursor, long UnreadCount)
    : ListPage<NotificationResponse>(Items, NextCursor);

public sealed class ListNotificationsValidator : Validator<ListNotificationsRequest>
{
    public ListNotificationsValidator()
    {
        RuleFor(x => x.PageSize).ValidPageSize();
    }
}

/// <summary>
/// The signed-in user's notifications, newest first, a page at a time. Pages are keyed by the last notification
/// of the previous page (<c>cursor</c>), not numbered: new notifications arrive at the top of this list all the
/// time, and would shift numbered pages under a client reading them, repeating items.
/// </summary>
public sealed class ListNotificationsEndpoint(NpgsqlDataSource database) : Endpoint<ListNotificationsRequest, NotificationPageResponse>
{
    public override void Configure()
    {
        Get("/api/notifications");
        Group<SignedInApi>();
        Summary(s =>
        {
            s.Summary = "The signed-in user's notifications, newest first, paged";
            s.Params[nameof(ListNotificationsRequest.PageSize)] = Paging.PageSizeDescription;
            s.Params[nameof(ListNotificationsRequest.Cursor)] = Paging.CursorDescription;
            s.Params[nameof(ListNotificationsRequest.UnreadOnly)] = "Only notifications not marked read";
        });
    }

    public override async Task HandleAsync(ListNotificationsRequest req, CancellationToken ct)
    {
        await using var connection = await database.OpenConnectionAsync(ct);
        var page = await ListNotificationsData.ReadPageAsync(connection, User.SignedInUserId(), req, ct);
        if (page is null)
        {
            AddError(new ValidationFailure("cursor", "'cursor' is not a nextCursor this list gave."));
            await Send.ErrorsAsync(cancellation: ct);
            return;
        }
        await Send.OkAsync(page, ct);
    }
}

public static class ListNotificationsData
{
    /// <summary>The page, or null when the cursor is not one of the user's notifications.</summary>
    public static async Task<NotificationPageResponse?> ReadPageAsync(
        NpgsqlConnection connection, Guid? userId, ListNotificationsRequest req, CancellationToken ct)
    {
        DateTime? cursorCreatedAt = null;
        Guid? cursor = null;
        if (req.Cursor is not null)
        {
            cursor = Guid.TryParse(req.Cursor, out var id) ? id : null;
            cursorCreatedAt = cursor is null ? null : await connection.QuerySingleOrDefaultAsync<DateTime?>(new CommandDefinition(
                "SELECT created_at FROM notifications WHERE id = @Id AND user_id = @UserId", new { Id = cursor, UserId = userId }, cancellationToken: ct));
            if (cursorCreatedAt is null)
            {
                return null;
            }
        }
        // One more than a page tells whether another page follows. The order is the index's, and total.
        await using var results = await connection.QueryMultipleAsync(new CommandDefinition(
            $"""
            SELECT id, title, body, data::text AS data, created_at, read_at FROM notifications
            WHERE user_id = @UserId
              {(req.UnreadOnly ? "AND read_at IS NULL" : "")}
              {(cursorCreatedAt is null ? "" : "AND (created_at, id) < (@CursorCreatedAt, @Cursor)")}
            ORDER BY created_at DESC, id DESC
            LIMIT @Limit;
            SELECT count(*) FROM notifications WHERE user_id = @UserId AND read_at IS NULL;
            """,
            new { UserId = userId, Cursor = cursor, CursorCreatedAt = cursorCreatedAt, Limit = req.PageSize + 1 },
            cancellationToken: ct));
        var rows = (await results.ReadAsync<NotificationRow>()).AsList();
        var unread = await results.ReadSingleAsync<long>();
        var (items, next) = Paging.Cut(rows.Select(r => r.ToResponse()).ToList(), req.PageSize, n => n.Id.ToString());
        return new NotificationPageResponse(items, next, unread);
    }

    private sealed record NotificationRow(Guid Id, string Title, string Body, string Data, DateTime CreatedAt, DateTime? ReadAt)
    {
        public NotificationResponse ToResponse() => new(Id, Title, Body, new StoredJson(Data), CreatedAt, ReadAt);
    }
}
