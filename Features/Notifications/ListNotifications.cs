using System.Text.Json;
using System.Text.Json.Serialization;
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

/// <summary>
/// The page's JSON written by code the compiler generates (System.Text.Json's source generator, the API's web
/// defaults) rather than by reflection-built metadata (README, Database-backed requests).
/// </summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(NotificationPageResponse))]
public sealed partial class NotificationsJson : JsonSerializerContext;

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
        // SignedInApi's policy requires the sub claim; one that is not a Guid (never issued here) matches no rows.
        var page = await ListNotificationsData.ReadPageAsync(database, User.SignedInUserId() ?? Guid.Empty, req, ct);
        if (page is null)
        {
            AddError(new ValidationFailure("cursor", "'cursor' is not a nextCursor this list gave."));
            await Send.ErrorsAsync(cancellation: ct);
            return;
        }
        await Send.ResultAsync(TypedResults.Json(page, NotificationsJson.Default.NotificationPageResponse));
    }
}

/// <summary>
/// A page and the unread count in one round trip: one <see cref="NpgsqlBatch"/> of the data source (multiplexed
/// with other requests' commands, no connection object to open), its statements chosen from four fixed texts
/// with positional parameters, the rows read by position. It serves every open of the notification list, so it
/// is written against Npgsql directly rather than through Dapper (README, Database-backed requests).
/// </summary>
public static class ListNotificationsData
{
    // $1 the user, $2 the rows to read, $3 the cursor (the id of the last notification of the page before).
    // The cursor's own (created_at, id) is looked up inside the page's statement; a cursor that is not one of the
    // user's notifications finds nothing there, and the batch's first statement tells that apart from an empty page.
    private const string CursorExists = "SELECT EXISTS (SELECT FROM notifications WHERE id = $3 AND user_id = $1)";
    private const string UnreadCount = "SELECT count(*) FROM notifications WHERE user_id = $1 AND read_at IS NULL";
    private static readonly string[] PageStatements =
    [
        PageStatement(unreadOnly: false, afterCursor: false),
        PageStatement(unreadOnly: true, afterCursor: false),
        PageStatement(unreadOnly: false, afterCursor: true),
        PageStatement(unreadOnly: true, afterCursor: true),
    ];

    /// <summary>The page, or null when the cursor is not one of the user's notifications.</summary>
    public static async Task<NotificationPageResponse?> ReadPageAsync(
        NpgsqlDataSource database, Guid userId, ListNotificationsRequest req, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(database);
        ArgumentNullException.ThrowIfNull(req);
        Guid? cursor = null;
        if (req.Cursor is not null)
        {
            if (!Guid.TryParse(req.Cursor, out var id))
            {
                return null;
            }
            cursor = id;
        }

        await using var batch = database.CreateBatch();
        if (cursor is { } key)
        {
            batch.BatchCommands.Add(Statement(CursorExists, userId, req.PageSize, key));
        }
        // One more than a page tells whether another page follows. The order is the index's, and total.
        batch.BatchCommands.Add(Statement(PageStatements[(req.UnreadOnly ? 1 : 0) + (cursor is null ? 0 : 2)], userId, req.PageSize, cursor));
        batch.BatchCommands.Add(Statement(UnreadCount, userId, req.PageSize, cursor));
        await using var reader = await batch.ExecuteReaderAsync(ct);
        if (cursor is not null)
        {
            if (!await reader.ReadAsync(ct) || !reader.GetBoolean(0))
            {
                return null;
            }
            await reader.NextResultAsync(ct);
        }
        var rows = new List<NotificationResponse>(req.PageSize + 1);
        while (await reader.ReadAsync(ct))
        {
            rows.Add(new NotificationResponse(reader.GetGuid(0), reader.GetString(1), reader.GetString(2), new StoredJson(reader.GetString(3)),
                reader.GetDateTime(4), reader.IsDBNull(5) ? null : reader.GetDateTime(5)));
        }
        await reader.NextResultAsync(ct);
        await reader.ReadAsync(ct);
        var unread = reader.GetInt64(0);
        var (items, next) = Paging.Cut(rows, req.PageSize, n => n.Id.ToString());
        return new NotificationPageResponse(items, next, unread);
    }

    private static string PageStatement(bool unreadOnly, bool afterCursor) =>
        $"""
        SELECT id, title, body, data::text, created_at, read_at FROM notifications
        WHERE user_id = $1
          {(unreadOnly ? "AND read_at IS NULL" : "")}
          {(afterCursor ? "AND (created_at, id) < (SELECT created_at, id FROM notifications WHERE id = $3 AND user_id = $1)" : "")}
        ORDER BY created_at DESC, id DESC
        LIMIT $2
        """;

    // Every statement gets the same parameters, whether it refers to them all or not: PostgreSQL accepts
    // parameters a statement does not use when their types are given, as NpgsqlParameter<T> gives them.
    private static NpgsqlBatchCommand Statement(string sql, Guid userId, int pageSize, Guid? cursor)
    {
        var command = new NpgsqlBatchCommand(sql);
        command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = userId });
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = pageSize + 1 });
        if (cursor is { } key)
        {
            command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = key });
        }
        return command;
    }
}
