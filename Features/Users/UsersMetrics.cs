using Prometheus;

namespace MinimalBackend.Features.Users;

/// <summary>Account deletions, in the style of the guide's <c>users_registered_total</c>.</summary>
public sealed class UsersMetrics
{
    private readonly Counter.Child _deletedBySelf;
    private readonly Counter.Child _deletedByAdmin;

    public UsersMetrics(IMetricFactory metrics)
    {
        ArgumentNullException.ThrowIfNull(metrics);
        var deleted = metrics.CreateCounter(
            "users_deleted_total",
            "Accounts deleted, by who deleted them: self (DELETE /api/users/me) or admin (DELETE /api/users/{id}); one increment per account, after the commit.",
            new CounterConfiguration { LabelNames = ["by"] });
        // Both series exist from startup, at 0, so rate() and increase() have a starting point before the first deletion.
        _deletedBySelf = deleted.WithLabels(AccountDeletion.BySelf);
        _deletedByAdmin = deleted.WithLabels(AccountDeletion.ByAdmin);
    }

    public void UserDeleted(string by) => (by == AccountDeletion.ByAdmin ? _deletedByAdmin : _deletedBySelf).Inc();
}
