using MinimalBackend.Features.Users;
using Prometheus;

namespace MinimalBackend.Features.Auth;

/// <summary>The account flows that go through an emailed link: confirming an address, resetting a forgotten password.</summary>
public sealed class AccountEmailMetrics
{
    private static readonly string[] Outcomes = ["ok", "invalid", "expired"];

    private readonly Counter _confirmations;
    private readonly Counter _resets;

    public AccountEmailMetrics(IMetricFactory metrics)
    {
        ArgumentNullException.ThrowIfNull(metrics);
        _confirmations = metrics.CreateCounter(
            "email_confirmations_total",
            "Tokens posted to POST /api/auth/confirm-email, by outcome: ok (the address is confirmed, after the commit), invalid (unknown, used or malformed) or expired.",
            new CounterConfiguration { LabelNames = ["status"] });
        _resets = metrics.CreateCounter(
            "password_resets_total",
            "Password resets. stage=requested: a POST /api/auth/forgot-password accepted, status ok when its address has an account (a link is sent), invalid when it has none. "
            + "stage=completed: a token posted to POST /api/auth/reset-password, status ok (the password is changed, after the commit), invalid (unknown, used or superseded) or expired.",
            new CounterConfiguration { LabelNames = ["stage", "status"] });
        // Every series exists from startup, at 0, so rates and failure ratios have a starting point.
        foreach (var status in Outcomes)
        {
            _confirmations.WithLabels(status);
            _resets.WithLabels("requested", status);
            _resets.WithLabels("completed", status);
        }
    }

    public void Confirmation(AccountTokenStatus status) => _confirmations.WithLabels(Label(status)).Inc();

    public void ResetRequested(bool accountExists) => _resets.WithLabels("requested", accountExists ? "ok" : "invalid").Inc();

    public void ResetCompleted(AccountTokenStatus status) => _resets.WithLabels("completed", Label(status)).Inc();

    private static string Label(AccountTokenStatus status) => status switch
    {
        AccountTokenStatus.Ok => "ok",
        AccountTokenStatus.Expired => "expired",
        _ => "invalid",
    };
}
