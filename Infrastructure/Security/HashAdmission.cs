namespace MinimalBackend.Infrastructure.Security;

/// <summary>
/// Admission to password hashing by the wait a new request would have, rather than by a fixed queue length:
/// the time of one hash is measured as hashes run (a moving average), and a request is admitted while the
/// hashes ahead of it, shared among the slots, would take no longer than the bound. So a burst is admitted as
/// far as it can be served in time on this machine, at whatever iteration count and CPU speed, and only what
/// would wait longer is refused, with the time after which it would not.
/// </summary>
public sealed class HashAdmission(int slots, TimeSpan maxExpectedWait, TimeSpan initialHashTime)
{
    // Each new measurement moves the estimate a fifth of the way: steady under noise, current within a few hashes.
    private const double Smoothing = 0.2;

    private readonly Lock _gate = new();
    private int _admitted;
    private double _hashSeconds = initialHashTime.TotalSeconds;

    /// <summary>Requests admitted and not yet done (hashing or waiting for a slot).</summary>
    public int Admitted
    {
        get
        {
            lock (_gate)
            {
                return _admitted;
            }
        }
    }

    /// <summary>The time of one hash, as measured so far.</summary>
    public TimeSpan HashTime
    {
        get
        {
            lock (_gate)
            {
                return TimeSpan.FromSeconds(_hashSeconds);
            }
        }
    }

    /// <summary>
    /// Admits a request when its expected wait is within the bound; otherwise returns false and, in
    /// <paramref name="retryAfter"/>, how long until the backlog has shrunk enough to admit it.
    /// </summary>
    public bool TryAdmit(out TimeSpan retryAfter)
    {
        lock (_gate)
        {
            // The slots take those ahead in rounds: the n-th in line starts after n / slots whole rounds.
            var expectedWait = TimeSpan.FromSeconds(_admitted / slots * _hashSeconds);
            if (expectedWait > maxExpectedWait)
            {
                retryAfter = expectedWait - maxExpectedWait;
                return false;
            }
            _admitted++;
            retryAfter = TimeSpan.Zero;
            return true;
        }
    }

    /// <summary>An admitted request's hash took <paramref name="duration"/>.</summary>
    public void Completed(TimeSpan duration)
    {
        lock (_gate)
        {
            _admitted--;
            _hashSeconds += Smoothing * (duration.TotalSeconds - _hashSeconds);
        }
    }

    /// <summary>An admitted request left without hashing (cancelled while it waited).</summary>
    public void Abandoned()
    {
        lock (_gate)
        {
            _admitted--;
        }
    }
}
