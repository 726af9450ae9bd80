using Dapper;
using FastEndpoints;
using FluentValidation.Results;
using MinimalBackend.Infrastructure.Http;
using Npgsql;

namespace MinimalBackend.Features.Users;

public sealed record ListUsersRequest(int PageSize = Paging.DefaultPageSize, string? Cursor = null);

/// <summary>A page of users (the shared list envelope) and how many users there are in all.</summary>
public sealed record UserPageResponse(IReadOnlyList<UserResponse> Items, string? NextCursor, long TotalCount) : ListPage<UserResponse>(Items, NextCursor);

public sealed class ListUsersValidator : Validator<ListUsersRequest>
{
    public ListUsersValidator()
    {
        RuleFor(x => x.PageSize).ValidPageSize();
    }
}

/// <summary>Every user, a page at a time, oldest first: the order is total (created_at, then id), so pages never overlap or skip.</summary>
public sealed class ListUsersEndpoint(NpgsqlDataSource database) : Endpoint<ListUsersRequest, UserPageResponse>
{
    public override void Configure()
    {
        Get("/api/users");
        Group<AdministratorsApi>();
        Summary(s =>
        {
            s.Summary = "All users, oldest first, paged (administrators only)";
            s.Params[nameof(ListUsersRequest.PageSize)] = Paging.PageSizeDescription;
            s.Params[nameof(ListUsersRequest.Cursor)] = Paging.CursorDescription;
        });
    }

    public override async Task HandleAsync(ListUsersRequest req, CancellationToken ct)
    {
        await using var connection = await database.OpenConnectionAsync(ct);
        var page = await ListUsersData.ReadPageAsync(connection, req, ct);
        if (page is null)
        {
            AddError(new ValidationFailure("cursor", "'cursor' is not a nextCursor this list gave."));
            await Send.ErrorsAsync(cancellation: ct);
            return;
        }
        await Send.OkAsync(page, ct);
    }
}

public static class ListUsersData
{
    /// <summary>The page after the cursor's user (keyset paging on the created_at, id order), or null when the cursor names no user.</summary>
    public static async Task<UserPageResponse?> ReadPageAsync(NpgsqlConnection connection, ListUsersRequest req, CancellationToken cancellationToken)
    {
        Guid? after = null;
        if (req.Cursor is not null)
        {
            if (!Guid.TryParse(req.Cursor, out var id)
                || !await connection.ExecuteScalarAsync<bool>(new CommandDefinition(
                    "SELECT EXISTS (SELECT 1 FROM users WHERE id = @Id)", new { Id = id }, cancellationToken: cancellationToken)))
            {
                return null;
            }
            after = id;
        }
        await using var results = await connection.QueryMultipleAsync(new CommandDefinition(
            $"""
            SELECT count(*) FROM users;
            SELECT {UserResponse.Columns} FROM users
            {(after is null ? "" : "WHERE (created_at, id) > ((SELECT created_at FROM users WHERE id = @After), @After)")}
            ORDER BY created_at, id LIMIT @Limit;
            """,
            new { After = after, Limit = req.PageSize + 1 },
            cancellationToken: cancellationToken));
        var total = await results.ReadSingleAsync<long>();
        var (items, next) = Paging.Cut((await results.ReadAsync<UserResponse>()).AsList(), req.PageSize, user => user.Id.ToString());
        return new UserPageResponse(items, next, total);
    }
}
