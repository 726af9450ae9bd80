using Prometheus;

namespace MinimalBackend.Features.Auth;

/// <summary>The monitoring guide's authentication metrics, names and labels as the guide and its dashboard use them.</summary>
public static class AuthMetrics
{
    private static readonly Counter UsersRegistered = Prometheus.Metrics.CreateCounter(
        "users_registered_total",
        "Users created by POST /api/auth/register; one increment per new user, counted after it is committed.");

    private static readonly Counter LoginAttempts = Prometheus.Metrics.CreateCounter(
        "login_attempts_total",
        "Sign-in attempts whose credentials were checked, by outcome: success (tokens issued) or failed (unknown email or wrong password).",
        new CounterConfiguration { LabelNames = ["status"] });

    // Both series exist from startup, at 0, so a failure-rate query has a starting point before the first failure.
    private static readonly Counter.Child LoginSucceeded = LoginAttempts.WithLabels("success");
    private static readonly Counter.Child LoginFailed = LoginAttempts.WithLabels("failed");

    /// <summary>Creates the series at startup; the type's static fields do the work.</summary>
    public static void Initialize() => _ = LoginSucceeded;

    public static void UserRegistered() => UsersRegistered.Inc();

    public static void LoginSuccess() => LoginSucceeded.Inc();

    public static void LoginFailure() => LoginFailed.Inc();
}
