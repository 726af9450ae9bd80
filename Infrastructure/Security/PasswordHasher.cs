using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;
using MinimalBackend.Infrastructure.Http;

namespace MinimalBackend.Infrastructure.Security;

/// <summary>
/// Argon2id (<see cref="Argon2idPasswordHasher"/>: random salt, the parameters stored in each hash) behind a
/// concurrency limit. One hash costs tens of milliseconds of one core and 19 MiB of memory by design. Hashes run
/// on <see cref="LowPriorityThreads"/>, one per slot: a burst of sign-ins on a quiet service gets every slot's core,
/// while a flood of them yields the CPU to every other request (README, Sign-in and authenticated requests).
/// Admission by expected wait (<see cref="HashAdmission"/>) turns overload into a quick 503 instead of an ever longer
/// wait, and as the hashes are measured where they run, a busy CPU admits fewer.
/// </summary>
public sealed class PasswordHasher : IDisposable
{
    /// <summary>What a 503 from an endpoint that hashes means, for its OpenAPI description.</summary>
    public const string BusyDescription = "Password hashing is busy for longer than PasswordHashing:MaxExpectedWait; try again after Retry-After";

    private readonly IPasswordHasher<PasswordHasher> _hasher;
    private readonly ConcurrencyLimiter _slots;
    private readonly LowPriorityThreads _threads;
    private readonly TimeProvider _time;
    private readonly Lazy<Task<Calibration>> _calibration;

    public PasswordHasher(IOptions<PasswordHashingOptions> options, TimeProvider time)
        : this(options, Algorithm(options.Value), time)
    {
    }

    /// <summary>With the hashing algorithm given (the tests wrap <see cref="Algorithm"/> to count the hashes computed).</summary>
    public PasswordHasher(IOptions<PasswordHashingOptions> options, IPasswordHasher<PasswordHasher> algorithm, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(time);
        ArgumentNullException.ThrowIfNull(options);
        var settings = options.Value;
        _hasher = algorithm;
        _slots = new ConcurrencyLimiter(new ConcurrencyLimiterOptions
        {
            PermitLimit = settings.EffectiveMaxConcurrentHashes,
            // Admission decides who waits; the limiter only orders those it admitted.
            QueueLimit = int.MaxValue,
            QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
        });
        _threads = new LowPriorityThreads(settings.EffectiveMaxConcurrentHashes, "password hashing");
        _time = time;
        // The dummy hash, whose time is the first estimate of a hash's before any sign-in is measured, is made on
        // first need or by CalibrateAsync once the service listens: made here, it was one full hash (a tenth of the CPU
        // of a start) on the start path, since the endpoints are built before listening (README, Start-up and memory).
        _calibration = new(() => _threads.RunAsync(() =>
        {
            var started = time.GetTimestamp();
            var dummyHash = _hasher.HashPassword(this, "a password nobody has, hashed with the current settings");
            return new Calibration(dummyHash, new HashAdmission(settings.EffectiveMaxConcurrentHashes, settings.MaxExpectedWait, time.GetElapsedTime(started)));
        }), LazyThreadSafetyMode.ExecutionAndPublication);
    }

    /// <summary>Whether the dummy hash has been made (on the first sign-in check, or by <see cref="CalibrateAsync"/>).</summary>
    public bool IsCalibrated => _calibration.IsValueCreated && _calibration.Value.IsCompletedSuccessfully;

    // Read only after AcquireSlotAsync, which waits for the calibration.
    private HashAdmission Admission => _calibration.Value.Result.Admission;

    /// <summary>Makes the dummy hash now unless a sign-in already did: <see cref="PasswordHashCalibration"/> calls it once the service listens.</summary>
    public Task CalibrateAsync() => _calibration.Value;

    /// <summary>The algorithm at these settings. Its user type is unused (the algorithm never looks at the user).</summary>
    public static IPasswordHasher<PasswordHasher> Algorithm(PasswordHashingOptions settings) => new Argon2idPasswordHasher(settings);

    public async Task<string> HashAsync(string password, CancellationToken cancellationToken)
    {
        using var slot = await AcquireSlotAsync(cancellationToken);
        return await _threads.RunAsync(() => slot.Measure(() => _hasher.HashPassword(this, password)));
    }

    /// <summary>
    /// Checks a password against a stored hash. Pass null when there is no such account: a dummy hash made
    /// with the same settings is checked instead, so an unknown email costs the same time as a wrong password.
    /// </summary>
    public async Task<PasswordVerificationResult> VerifyAsync(string? storedHash, string password, CancellationToken cancellationToken)
    {
        using var slot = await AcquireSlotAsync(cancellationToken);
        try
        {
            var hash = storedHash ?? (await _calibration.Value).DummyHash;
            var result = await _threads.RunAsync(() => slot.Measure(() => _hasher.VerifyHashedPassword(this, hash, password)));
            return storedHash is null ? PasswordVerificationResult.Failed : result;
        }
        catch (FormatException)
        {
            // A stored value that is not a hash this hasher wrote (not base64) matches no password.
            return PasswordVerificationResult.Failed;
        }
    }

    public void Dispose()
    {
        _slots.Dispose();
        _threads.Dispose();
    }

    private sealed record Calibration(string DummyHash, HashAdmission Admission);

    private async Task<Slot> AcquireSlotAsync(CancellationToken cancellationToken)
    {
        var admission = (await _calibration.Value).Admission;
        if (!admission.TryAdmit(out var retryAfter))
        {
            throw new ServiceBusyException("Too many sign-ins are being checked right now.", retryAfter);
        }
        try
        {
            return new Slot(this, await _slots.AcquireAsync(1, cancellationToken));
        }
        catch
        {
            admission.Abandoned();
            throw;
        }
    }

    /// <summary>A hashing slot; the time of the hash done in it goes into the admission's estimate.</summary>
    private sealed class Slot(PasswordHasher owner, RateLimitLease lease) : IDisposable
    {
        private TimeSpan? _measured;

        public T Measure<T>(Func<T> hash)
        {
            var started = owner._time.GetTimestamp();
            try
            {
                return hash();
            }
            finally
            {
                _measured = owner._time.GetElapsedTime(started);
            }
        }

        public void Dispose()
        {
            lease.Dispose();
            if (_measured is { } duration)
            {
                owner.Admission.Completed(duration);
            }
            else
            {
                owner.Admission.Abandoned();
            }
        }
    }
}

/// <summary>
/// Makes the password hasher's dummy hash <see cref="Delay"/> after the service listens: off the start path and
/// out of the way of its first requests (a hash takes a core for about 30 ms here), before most first sign-ins.
/// </summary>
internal sealed class PasswordHashCalibration(PasswordHasher hasher, IHostApplicationLifetime lifetime, TimeProvider time) : BackgroundService
{
    public static readonly TimeSpan Delay = TimeSpan.FromSeconds(2);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            using (lifetime.ApplicationStarted.Register(() => started.TrySetResult()))
            {
                await started.Task.WaitAsync(stoppingToken);
            }
            await Task.Delay(Delay, time, stoppingToken);
            await hasher.CalibrateAsync();
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopped first: a sign-in, if any, made it.
        }
    }
}
