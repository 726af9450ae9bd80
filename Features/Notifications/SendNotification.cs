using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Dapper;
using FastEndpoints;
using FluentValidation;
using FluentValidation.Results;
using MinimalBackend.Features.Users;
using MinimalBackend.Infrastructure.OpenApi;
using MinimalBackend.Infrastructure.Security;
using MinimalBackend.Infrastructure.Validation;
using Npgsql;

namespace MinimalBackend.Features.Notifications;

/// <summary>To one user (<c>userId</c>) or to every user (<c>allUsers: true</c>), never both: two shapes in the OpenAPI document.</summary>
[OneOfShapes(nameof(UserId), nameof(AllUsers))]
public sealed record SendNotificationRequest(Guid? UserId, bool AllUsers, string Title, string Body, [property: JsonObjectValue] JsonElement? Data);

/// <summary>The notification's id (one user), or the broadcast's (all users: each user's notification has an id of its own).</summary>
public sealed record SendNotificationResponse(Guid Id);

public sealed partial class SendNotificationValidator : Validator<SendNotificationRequest>
{
    public const int TitleMaxLength = 100;
    public const int BodyMaxLength = 1000;
    public const int DataMaxBytes = 4096;

    /// <summary>
    /// What <c>data</c> may take once stored: jsonb writes numbers out in full (<c>9e999</c> is a thousand digits)
    /// and spaces after separators, so the size sent alone does not bound what each recipient's row holds.
    /// </summary>
    public const int DataMaxStoredBytes = 8192;

    public SendNotificationValidator()
    {
        RuleFor(x => x.UserId).NotNull().When(x => !x.AllUsers).WithMessage("Give 'userId', or 'allUsers': true.");
        RuleFor(x => x.UserId).Null().When(x => x.AllUsers).WithMessage("Give 'userId' or 'allUsers': true, not both.");
        RuleFor(x => x.Title).Cascade(CascadeMode.Stop).NotEmpty().MaximumLength(TitleMaxLength).PlainText();
        // Line breaks are the one control character a body may hold.
        RuleFor(x => x.Body).Cascade(CascadeMode.Stop).NotEmpty().MaximumLength(BodyMaxLength)
            .Must(body => TextRules.IsPlainText(body.Replace('\n', ' ')))
            .WithMessage("'{PropertyName}' must be well-formed text without control characters other than line breaks.");
        RuleFor(x => x.Data).Cascade(CascadeMode.Stop)
            .Must(data => data!.Value.ValueKind == JsonValueKind.Object).WithMessage("'data' must be a JSON object.")
            .Must(data => Encoding.UTF8.GetByteCount(data!.Value.GetRawText()) <= DataMaxBytes).WithMessage($"'data' must be at most {DataMaxBytes} bytes of JSON.")
            .Must(data => IsStorable(data!.Value))
            .WithMessage("'data' must hold well-formed text without NUL characters, and numbers PostgreSQL can store (exponents of at most 3 digits).")
            .When(x => x.Data is { ValueKind: not JsonValueKind.Null });
    }

    /// <summary>What PostgreSQL's jsonb refuses and would turn into a 500: a NUL or a lone surrogate in any string or name, an out-of-range number.</summary>
    private static bool IsStorable(JsonElement element)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                return element.EnumerateObject().All(p => IsStorableText(() => p.Name) && IsStorable(p.Value));
            case JsonValueKind.Array:
                return element.EnumerateArray().All(IsStorable);
            case JsonValueKind.String:
                return IsStorableText(() => element.GetString()!);
            case JsonValueKind.Number:
                return StorableNumber().IsMatch(element.GetRawText());
            default:
                return true;
        }
    }

    private static bool IsStorableText(Func<string> read)
    {
        try
        {
            var text = read();
            return !text.Contains('\0', StringComparison.Ordinal) && TextRules.IsWellFormed(text);
        }
        catch (InvalidOperationException)
        {
            // System.Text.Json refuses to decode an escaped lone surrogate ("\ud800").
            return false;
        }
    }

    [GeneratedRegex(@"^-?(0|[1-9][0-9]{0,99})(\.[0-9]{1,100})?([eE][+-]?[0-9]{1,3})?$")]
    private static partial Regex StorableNumber();
}

/// <summary>
/// Administrators: enqueues a notification for one user (<c>userId</c>) or for every user (<c>allUsers</c>). It is
/// stored and pushed by a job, so the answer is 202 whatever the number of users: all users is one job that writes
/// them in batches (see <see cref="BroadcastNotification"/>). With an <c>Idempotency-Key</c> header, a retry of the
/// same request within 24 hours gets the first answer again and enqueues nothing (see <see cref="NotificationIdempotencyKeys"/>).
/// </summary>
public sealed class SendNotificationEndpoint(NpgsqlDataSource database, NotificationJobs notifications, TimeProvider time)
    : Endpoint<SendNotificationRequest, SendNotificationResponse>
{
    public override void Configure()
    {
        Post("/api/admin/notifications");
        Group<AdministratorsApi>();
        Description(d => d
            .Produces<SendNotificationResponse>(StatusCodes.Status202Accepted)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity)
            .WithMetadata(
                new AcceptsHeader(NotificationIdempotencyKeys.Header,
                    $"Makes retries safe: the same key and body within 24 hours get the first answer again and send nothing; the key with another body is 422. " +
                    $"Printable ASCII, at most {NotificationIdempotencyKeys.MaxLength} characters: a new UUID per notification.",
                    NotificationIdempotencyKeys.MaxLength),
                new AnswersWithHeader(StatusCodes.Status202Accepted, NotificationIdempotencyKeys.ReplayedHeader,
                    $"`true` when this is the first answer to the same {NotificationIdempotencyKeys.Header} and body, sent again: nothing was enqueued this time.")));
        Summary(s =>
        {
            s.Summary = "Send a notification to one user or to all users (administrators only)";
            s.Responses[StatusCodes.Status202Accepted] = "Enqueued: the notification's id, or for all users the broadcast's";
            s.Responses[StatusCodes.Status422UnprocessableEntity] = "The Idempotency-Key was used with another body within 24 hours";
        });
    }

    public override async Task HandleAsync(SendNotificationRequest req, CancellationToken ct)
    {
        var keys = HttpContext.Request.Headers[NotificationIdempotencyKeys.Header];
        if (keys.Count > 1 || (keys.Count == 1 && !NotificationIdempotencyKeys.IsValid(keys[0]!)))
        {
            AddError(new ValidationFailure(NotificationIdempotencyKeys.Header,
                $"'{NotificationIdempotencyKeys.Header}' must be one value of 1 to {NotificationIdempotencyKeys.MaxLength} printable ASCII characters."));
            await Send.ErrorsAsync(cancellation: ct);
            return;
        }
        var key = keys.Count == 1 ? keys[0] : null;
        var adminId = User.SignedInUserId()!.Value;

        await using var connection = await database.OpenConnectionAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        if (key is not null)
        {
            var fingerprint = NotificationIdempotencyKeys.Fingerprint(req);
            var earlier = await NotificationIdempotencyData.ClaimAsync(connection, transaction, adminId, key, fingerprint, time.GetUtcNow(), ct);
            if (earlier is not null && !earlier.Fingerprint.AsSpan().SequenceEqual(fingerprint))
            {
                await Send.ResultAsync(TypedResults.Problem(
                    statusCode: StatusCodes.Status422UnprocessableEntity, title: "Idempotency key reused",
                    detail: $"This {NotificationIdempotencyKeys.Header} was sent with another body within 24 hours. Use a new key for a new request."));
                return;
            }
            if (earlier is not null)
            {
                HttpContext.Response.Headers[NotificationIdempotencyKeys.ReplayedHeader] = "true";
                await Send.StringAsync(earlier.Response, earlier.Status, "application/json", ct);
                return;
            }
        }

        var data = req.Data is { ValueKind: JsonValueKind.Object } ? req.Data : null;
        if (data is { } value && !await SendNotificationData.IsStorableAsync(database, value, ct))
        {
            AddError(new ValidationFailure("data",
                $"'data' must take at most {SendNotificationValidator.DataMaxStoredBytes} bytes once stored: numbers are stored written out in full (9e999 is 1,000 digits)."));
            await Send.ErrorsAsync(cancellation: ct);
            return;
        }
        Guid id;
        if (req.AllUsers)
        {
            id = await notifications.EnqueueForAllUsersAsync(connection, transaction, req.Title, req.Body, data, time.GetUtcNow().UtcDateTime, ct);
        }
        else
        {
            var userId = req.UserId!.Value;
            if (!await UserDirectory.ExistsAsync(connection, userId, ct))
            {
                // Rolled back with the key: a retry once the user exists is a new request.
                await Send.ResultAsync(TypedResults.Problem(
                    statusCode: StatusCodes.Status404NotFound, title: "User not found", detail: $"There is no user with id {userId}."));
                return;
            }
            id = await notifications.EnqueueAsync(connection, transaction, userId, req.Title, req.Body, data, ct);
        }
        var response = new SendNotificationResponse(id);
        if (key is not null)
        {
            await NotificationIdempotencyData.SaveAnswerAsync(
                connection, transaction, adminId, key, StatusCodes.Status202Accepted, JsonSerializer.Serialize(response, JsonSerializerOptions.Web), ct);
        }
        await transaction.CommitAsync(ct);
        await Send.ResponseAsync(response, StatusCodes.Status202Accepted, ct);
    }
}

public static class SendNotificationData
{
    /// <summary>
    /// Whether PostgreSQL accepts <paramref name="data"/> as jsonb within <see cref="SendNotificationValidator.DataMaxStoredBytes"/>:
    /// asked of the database that stores it, so the bound is the stored size however jsonb writes it.
    /// </summary>
    public static async Task<bool> IsStorableAsync(NpgsqlDataSource database, JsonElement data, CancellationToken ct)
    {
        await using var connection = await database.OpenConnectionAsync(ct);
        try
        {
            var storedBytes = await connection.ExecuteScalarAsync<int>(new CommandDefinition(
                "SELECT octet_length(CAST(@Data AS jsonb)::text)", new { Data = data.GetRawText() }, cancellationToken: ct));
            return storedBytes <= SendNotificationValidator.DataMaxStoredBytes;
        }
        catch (PostgresException e) when (e.SqlState.StartsWith("22", StringComparison.Ordinal))
        {
            // Class 22, data exception: a value jsonb cannot hold.
            return false;
        }
    }
}
