using Dapper;
using FastEndpoints;
using FluentValidation;
using Npgsql;

namespace MinimalBackend.Features.Users;

public sealed record ListUsersRequest(int Page = 1, int PageSize = 20);

public sealed record UserPageResponse(IReadOnlyList<UserResponse> Items, int Page, int PageSize, long TotalCount);

public sealed class ListUsersValidator : Validator<ListUsersRequest>
{
    public const int MaxPageSize = 100;

    public ListUsersValidator()
    {
        RuleFor(x => x.Page).GreaterThanOrEqualTo(1);
        RuleFor(x => x.PageSize).InclusiveBetween(1, MaxPageSize);
    }
}

/// <summary>Every user, a page at a time, oldest first: the order is total (created_at, then id), so pages never overlap or skip.</summary>
public sealed class ListUsersEndpoint(NpgsqlDataSource database) : Endpoint<ListUsersRequest, UserPageResponse>
{
    public override void Configure()
    {
        Get("/api/users");
        Roles(UserRoles.Admin);
        Summary(s =>
        {
            s.Summary = "All users, paged (administrators only)";
            s.Params[nameof(ListUsersRequest.Page)] = "1-based page number";
            s.Params[nameof(ListUsersRequest.PageSize)] = $"Users per page, 1 to {ListUsersValidator.MaxPageSize}";
        });
    }

    public override async Task HandleAsync(ListUsersRequest req, CancellationToken ct)
    {
        await using var connection = await database.OpenConnectionAsync(ct);
        var (users, total) = await ListUsersData.ReadPageAsync(connection, req.Page, req.PageSize, ct);
        await Send.OkAsync(new UserPageResponse(users, req.Page, req.PageSize, total), ct);
    }
}

public static class ListUsersData
{
    // REVIEW: OFFSET reads and discards every row before the page; past some hundred thousand users, switch to
    // keyset paging (WHERE (created_at, id) > (@after...)) on the same index.
    public static async Task<(IReadOnlyList<UserResponse> Users, long Total)> ReadPageAsync(
        NpgsqlConnection connection, int page, int pageSize, CancellationToken cancellationToken)
    {
        await using var results = await connection.QueryMultipleAsync(new CommandDefinition(
            $"""
            SELECT count(*) FROM users;
            SELECT {UserResponse.Columns} FROM users ORDER BY created_at, id LIMIT @PageSize OFFSET @Offset;
            """,
            new { PageSize = pageSize, Offset = (page - 1L) * pageSize },
            cancellationToken: cancellationToken));
        var total = await results.ReadSingleAsync<long>();
        var users = (await results.ReadAsync<UserResponse>()).AsList();
        return (users, total);
    }
}
