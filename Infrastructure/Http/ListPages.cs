using System.Text.Json.Serialization;
using FluentValidation;

namespace MinimalBackend.Infrastructure.Http;

/// <summary>
/// The envelope of every list the API returns: <c>{ "items": [...], "nextCursor": "..." | null }</c>, plus what a
/// list adds of its own (a notification list's <c>unreadCount</c>). Pages are keyed, not numbered: a page is asked
/// for with the <c>nextCursor</c> of the one before (none for the first) and <c>pageSize</c>; <c>nextCursor</c> is
/// null on the last page. Rows written meanwhile never shift a page a client is reading, as numbered pages would.
/// A cursor is opaque to clients: they send back what they were given. Items and nextCursor come first in the JSON.
/// </summary>
public record ListPage<TItem>(
    [property: JsonPropertyOrder(-2)] IReadOnlyList<TItem> Items,
    [property: JsonPropertyOrder(-1)] string? NextCursor);

/// <summary>The one paging rule of every list: <c>pageSize</c> from 1 to <see cref="MaxPageSize"/>, <see cref="DefaultPageSize"/> when omitted.</summary>
public static class Paging
{
    public const int DefaultPageSize = 20;
    public const int MaxPageSize = 100;

    public const string PageSizeDescription = "Items per page, 1 to 100 (20 when omitted)";
    public const string CursorDescription = "The nextCursor of the previous page; omitted for the first page";

    public static IRuleBuilderOptions<T, int> ValidPageSize<T>(this IRuleBuilder<T, int> rule) => rule.InclusiveBetween(1, MaxPageSize);

    /// <summary>
    /// The page out of rows read one past it (<c>LIMIT pageSize + 1</c>): the extra row only tells that another page
    /// follows, and the cursor is the key of the page's last item.
    /// </summary>
    public static (List<TItem> Items, string? NextCursor) Cut<TItem>(IReadOnlyList<TItem> rows, int pageSize, Func<TItem, string> cursorOf)
    {
        ArgumentNullException.ThrowIfNull(rows);
        ArgumentNullException.ThrowIfNull(cursorOf);
        var items = rows.Take(pageSize).ToList();
        return (items, rows.Count > pageSize ? cursorOf(items[^1]) : null);
    }
}
