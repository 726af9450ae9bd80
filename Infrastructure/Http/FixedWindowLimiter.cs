using System.Threading.RateLimiting;

namespace MinimalBackend.Infrastructure.Http;

/// <summary>
/// A fixed window of <c>permitLimit</c> permits per <c>window</c>, on a <see cref="TimeProvider"/>, with no
/// queue. System.Threading.RateLimiting's FixedWindowRateLimiter reads the system clock and refills on its
/// own timer (it takes no TimeProvider), so a test could only wait the window out; this one lets a test move
/// the clock. A rejected lease says how long the current window has left (<see cref="MetadataName.RetryAfter"/>).
/// </summary>
public sealed class FixedWindowLimiter(int permitLimit, TimeSpan window, TimeProvider time) : RateLimiter
{
    private static readonly RateLimitLease Acquired = new Lease(true, null);

    private readonly Lock _gate = new();
    private DateTimeOffset _windowStart = time.GetUtcNow();
    private int _used;
    private long _succeeded;
    private long _failed;

    public override TimeSpan? IdleDuration
    {
        get
        {
            lock (_gate)
            {
                // Idle (and so removable by a partitioned limiter) once its window has ended or while it has given no permit.
                var now = time.GetUtcNow();
                var end = _windowStart + window;
                return now >= end ? now - end : _used == 0 ? now - _windowStart : null;
            }
        }
    }

    public override RateLimiterStatistics? GetStatistics()
    {
        lock (_gate)
        {
            Roll();
            return new RateLimiterStatistics
            {
                CurrentAvailablePermits = permitLimit - _used,
                TotalSuccessfulLeases = _succeeded,
                TotalFailedLeases = _failed,
            };
        }
    }

    protected override RateLimitLease AttemptAcquireCore(int permitCount)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(permitCount);
        lock (_gate)
        {
            Roll();
            if (_used + permitCount <= permitLimit)
            {
                _used += permitCount;
                _succeeded++;
                return Acquired;
            }
            _failed++;
            return new Lease(false, _windowStart + window - time.GetUtcNow());
        }
    }

    protected override ValueTask<RateLimitLease> AcquireAsyncCore(int permitCount, CancellationToken cancellationToken) =>
        ValueTask.FromResult(AttemptAcquireCore(permitCount));

    /// <summary>Starts a new window when the current one has ended; windows follow each other from the first.</summary>
    private void Roll()
    {
        var now = time.GetUtcNow();
        if (now < _windowStart + window)
        {
            return;
        }
        var elapsedWindows = (now - _windowStart).Ticks / window.Ticks;
        _windowStart += TimeSpan.FromTicks(elapsedWindows * window.Ticks);
        _used = 0;
    }

    private sealed class Lease(bool isAcquired, TimeSpan? retryAfter) : RateLimitLease
    {
        public override bool IsAcquired => isAcquired;

        public override IEnumerable<string> MetadataNames => retryAfter is null ? [] : [MetadataName.RetryAfter.Name];

        public override bool TryGetMetadata(string metadataName, out object? metadata)
        {
            if (retryAfter is { } wait && metadataName == MetadataName.RetryAfter.Name)
            {
                metadata = wait;
                return true;
            }
            metadata = null;
            return false;
        }
    }
}
