using Prometheus;

namespace MinimalBackend.Features.Auth;

/// <summary>The monitoring guide's authentication metrics, names and labels as the guide and its dashboard use them.</summary>
public sealed class AuthMetrics
{
    private readonly Counter _usersRegistered;
    private readonly Counter.Child _loginSucceeded;
    private readonly Counter.Child _loginFailed;

    public AuthMetrics(IMetricFactory metrics)
    {
        ArgumentNullException.ThrowIfNull(metrics);
        _usersRegistered = metrics.CreateCounter(
            "users_registered_total",
            "Users created by POST /api/auth/register; one increment per new user, counted after it is committed.");
        var loginAttempts = metrics.CreateCounter(
            "login_attempts_total",
            "Sign-in attempts whose credentials were checked, by outcome: success (tokens issued) or failed (unknown email or wrong password).",
            new CounterConfiguration { LabelNames = ["status"] });
        // Both series exist from startup, at 0, so a failure-rate query has a starting point before the first failure.
        _loginSucceeded = loginAttempts.WithLabels("success");
        _loginFailed = loginAttempts.WithLabels("failed");
    }

    public void UserRegistered() => _usersRegistered.Inc();

    public void LoginSuccess() => _loginSucceeded.Inc();

    public void LoginFailure() => _loginFailed.Inc();
}
