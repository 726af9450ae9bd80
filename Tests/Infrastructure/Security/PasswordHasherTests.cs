using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using MinimalBackend.Features.Users;
using MinimalBackend.Infrastructure.Security;
using MinimalBackend.Tests.Support;
using NSec.Cryptography;
using Snapshooter.Xunit;

namespace MinimalBackend.Tests.Infrastructure.Security;

[Collection(nameof(PasswordHasherTests))]
public sealed class PasswordHasherTests(DatabaseFixture database)
{
    [CollectionDefinition(nameof(PasswordHasherTests))]
    public sealed class OwnDatabase : ICollectionFixture<DatabaseFixture>;

    private static PasswordHasher Hasher(int memoryKiB, int passes = 2) =>
        new(Options.Create(new PasswordHashingOptions { MemoryKiB = memoryKiB, Passes = passes }), TimeProvider.System);

    [Fact]
    public async Task Building_the_hasher_hashes_nothing_and_the_first_unknown_email_makes_the_dummy_hash_once()
    {
        var settings = new PasswordHashingOptions { MemoryKiB = 64 };
        var algorithm = new HashCounter(PasswordHasher.Algorithm(settings));
        using var hasher = new PasswordHasher(Options.Create(settings), algorithm, TimeProvider.System);

        // Built with the endpoints, before the service listens: no hash on the start path.
        Assert.Equal((0, false), (algorithm.Hashes, hasher.IsCalibrated));

        Assert.Equal(PasswordVerificationResult.Failed, await hasher.VerifyAsync(null, "any password", CancellationToken.None));
        Assert.Equal(PasswordVerificationResult.Failed, await hasher.VerifyAsync(null, "another password", CancellationToken.None));
        Assert.Equal((1, true), (algorithm.Hashes, hasher.IsCalibrated));
    }

    [Fact]
    public async Task A_started_service_makes_its_dummy_hash_without_waiting_for_a_sign_in()
    {
        await using var host = new ServiceHost(database.ConnectionString, new Dictionary<string, string?> { ["PasswordHashing:MemoryKiB"] = "64" });
        var hasher = host.Services.GetRequiredService<PasswordHasher>();

        Assert.True(await Eventually.UntilAsync(() => Task.FromResult(hasher.IsCalibrated), calibrated => calibrated, "the dummy hash made after the start"));
    }

    private sealed class HashCounter(IPasswordHasher<PasswordHasher> inner) : IPasswordHasher<PasswordHasher>
    {
        private int _hashes;

        public int Hashes => Volatile.Read(ref _hashes);

        public string HashPassword(PasswordHasher user, string password)
        {
            Interlocked.Increment(ref _hashes);
            return inner.HashPassword(user, password);
        }

        public PasswordVerificationResult VerifyHashedPassword(PasswordHasher user, string hashedPassword, string providedPassword) =>
            inner.VerifyHashedPassword(user, hashedPassword, providedPassword);
    }

    [Fact]
    public async Task Hashes_run_at_a_lower_scheduling_priority_than_the_threads_that_serve_requests()
    {
        var settings = new PasswordHashingOptions { MemoryKiB = 64 };
        var algorithm = new PriorityRecorder(PasswordHasher.Algorithm(settings));
        using var hasher = new PasswordHasher(Options.Create(settings), algorithm, TimeProvider.System);

        var hash = await hasher.HashAsync("correct horse", CancellationToken.None);
        await hasher.VerifyAsync(hash, "correct horse", CancellationToken.None);

        // The dummy hash (the first estimate of a hash's time), the hash and its check, each NiceIncrement above
        // this thread's own nice value (which is not 0 when the tests run under nice) unless that passes 19.
        var expected = Math.Min(NiceValueOfThisThread() + LowPriorityThreads.NiceIncrement, 19);
        Assert.Equal([expected, expected, expected], algorithm.NiceValues);
    }

    [Fact]
    public void By_default_every_core_may_hash()
    {
        Assert.Equal(Environment.ProcessorCount, new PasswordHashingOptions().EffectiveMaxConcurrentHashes);
    }

    /// <summary>The calling thread's nice value, field 19 of /proc/thread-self/stat (fields counted after the command name's closing parenthesis).</summary>
    private static int NiceValueOfThisThread()
    {
        var stat = File.ReadAllText("/proc/thread-self/stat");
        return int.Parse(stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[19 - 3], System.Globalization.CultureInfo.InvariantCulture);
    }

    private sealed class PriorityRecorder(IPasswordHasher<PasswordHasher> inner) : IPasswordHasher<PasswordHasher>
    {
        private readonly ConcurrentQueue<int> _niceValues = new();

        public IReadOnlyCollection<int> NiceValues => _niceValues;

        public string HashPassword(PasswordHasher user, string password)
        {
            _niceValues.Enqueue(NiceValueOfThisThread());
            return inner.HashPassword(user, password);
        }

        public PasswordVerificationResult VerifyHashedPassword(PasswordHasher user, string hashedPassword, string providedPassword)
        {
            _niceValues.Enqueue(NiceValueOfThisThread());
            return inner.VerifyHashedPassword(user, hashedPassword, providedPassword);
        }
    }

    [Fact]
    public void The_default_is_OWASPs_first_Argon2id_configuration_19_MiB_and_2_passes()
    {
        var settings = new PasswordHashingOptions();

        Assert.Equal((19 * 1024, 2), (settings.MemoryKiB, settings.Passes));
    }

    [Fact]
    public async Task A_hash_is_Argon2id_in_the_PHC_format_with_the_configured_parameters_and_a_fresh_salt()
    {
        using var hasher = Hasher(100, passes: 3);

        var first = await hasher.HashAsync("correct horse", CancellationToken.None);
        var second = await hasher.HashAsync("correct horse", CancellationToken.None);

        Assert.NotEqual(first, second);
        Assert.Equal(("argon2id v=19", "m=100,t=3,p=1", 16, 32), UserTable.HashHeader(first));
    }

    [Theory]
    // libsodium's own test vectors (test/default/pwhash_argon2id.c, tv3), written by its crypto_pwhash_str: the format
    // and the password's bytes are the ones libsodium and other tools read and write, not ones of our own.
    [InlineData("", "$argon2id$v=19$m=4882,t=2,p=1$bA81arsiXysd3WbTRzmEOw$Nm8QBM+7RH1DXo9rvp5cwKEOOOfD2g6JuxlXihoNcpE")]
    [InlineData("^T5H$JYt39n%K*j:W]!1s?vg!:jGi]Ax?..l7[p0v:1jHTpla9;]bUN;?bWyCbtqg ", "$argon2id$v=19$m=4096,t=19,p=1$PkEgMTYtYnl0ZXMgc2FsdA$ltB/ue1kPtBMBGfsysMpPigE6hiNEKZ9vs8vLNVDQGA")]
    public async Task A_hash_libsodium_wrote_verifies(string password, string stored)
    {
        using var hasher = Hasher(64);

        Assert.Equal(PasswordVerificationResult.Success, await hasher.VerifyAsync(stored, password, CancellationToken.None));
        Assert.Equal(PasswordVerificationResult.Failed, await hasher.VerifyAsync(stored, password + "x", CancellationToken.None));
    }

    [Fact]
    public async Task A_password_is_hashed_over_its_UTF8_bytes()
    {
        using var hasher = Hasher(64);
        const string password = "pässwörd ✓ 密码";

        var stored = await hasher.HashAsync(password, CancellationToken.None);

        var parts = stored.Split('$');
        var parameters = new Argon2Parameters { DegreeOfParallelism = 1, MemorySize = 64, NumberOfPasses = 2 };
        var expected = PasswordBasedKeyDerivationAlgorithm.Argon2id(in parameters)
            .DeriveBytes(Encoding.UTF8.GetBytes(password), Convert.FromBase64String(parts[4] + "=="), 32);
        Assert.Equal(Convert.ToBase64String(expected).TrimEnd('='), parts[5]);
    }

    [Fact]
    public async Task The_right_password_verifies_and_any_other_does_not()
    {
        using var hasher = Hasher(64);
        var hash = await hasher.HashAsync("correct horse", CancellationToken.None);

        Assert.Equal(PasswordVerificationResult.Success, await hasher.VerifyAsync(hash, "correct horse", CancellationToken.None));
        Assert.Equal(PasswordVerificationResult.Failed, await hasher.VerifyAsync(hash, "Correct horse", CancellationToken.None));
        Assert.Equal(PasswordVerificationResult.Failed, await hasher.VerifyAsync(hash, "", CancellationToken.None));
    }

    [Theory]
    [InlineData(64, 2, 128, 2, PasswordVerificationResult.SuccessRehashNeeded)]
    [InlineData(64, 2, 64, 3, PasswordVerificationResult.SuccessRehashNeeded)]
    [InlineData(128, 3, 64, 2, PasswordVerificationResult.Success)]
    [InlineData(64, 2, 64, 2, PasswordVerificationResult.Success)]
    public async Task A_hash_made_with_less_memory_or_fewer_passes_than_configured_asks_for_a_rehash_and_never_one_made_with_more(
        int madeWithKiB, int madeWithPasses, int configuredKiB, int configuredPasses, PasswordVerificationResult expected)
    {
        using var before = Hasher(madeWithKiB, madeWithPasses);
        using var now = Hasher(configuredKiB, configuredPasses);
        var hash = await before.HashAsync("correct horse", CancellationToken.None);

        Assert.Equal(expected, await now.VerifyAsync(hash, "correct horse", CancellationToken.None));
        Assert.Equal(PasswordVerificationResult.Failed, await now.VerifyAsync(hash, "correct horse!", CancellationToken.None));
    }

    [Fact]
    public async Task A_PBKDF2_hash_from_before_Argon2id_verifies_and_always_asks_for_a_rehash()
    {
        using var hasher = Hasher(64);
        var stored = UserTable.Pbkdf2Hash("correct horse", iterations: 1000);

        Assert.Equal(PasswordVerificationResult.SuccessRehashNeeded, await hasher.VerifyAsync(stored, "correct horse", CancellationToken.None));
        Assert.Equal(PasswordVerificationResult.Failed, await hasher.VerifyAsync(stored, "Correct horse", CancellationToken.None));
    }

    [Fact]
    public async Task Without_a_stored_hash_the_check_fails_whatever_the_password()
    {
        using var hasher = Hasher(64);

        Assert.Equal(PasswordVerificationResult.Failed, await hasher.VerifyAsync(null, "a password nobody has, hashed with the current settings", CancellationToken.None));
    }

    [Theory]
    [InlineData("not-a-real-hash")]
    [InlineData("")]
    [InlineData("AQAAAAIAAAPo")]
    [InlineData("$argon2id$v=19$m=4882,t=2,p=1$bA81arsiXysd3WbTRzmEOw")]
    [InlineData("$argon2id$v=16$m=4882,t=2,p=1$bA81arsiXysd3WbTRzmEOw$Nm8QBM+7RH1DXo9rvp5cwKEOOOfD2g6JuxlXihoNcpE")]
    [InlineData("$argon2i$v=19$m=4882,t=2,p=1$bA81arsiXysd3WbTRzmEOw$Nm8QBM+7RH1DXo9rvp5cwKEOOOfD2g6JuxlXihoNcpE")]
    [InlineData("$argon2id$v=19$m=4096,t=1,p=3$PkEgcHJldHR5IGxvbmcgc2FsdA$HUqx5Z1b/ZypnUrvvJ5UC2Q+T6Q1WwASK/Kr9dRbGA0")]
    [InlineData("$argon2id$v=19$m=4096,t=0,p=1$X1NhbHQAAAAAAAAAAAAAAA$bWh++MKN1OiFHKgIWTLvIi1iHicmHH7+Fv3K88ifFfI")]
    [InlineData("$argon2id$v=19$m=4194304,t=2,p=1$bA81arsiXysd3WbTRzmEOw$Nm8QBM+7RH1DXo9rvp5cwKEOOOfD2g6JuxlXihoNcpE")]
    [InlineData("$argon2id$v=19$m=4882,t=2,p=1$bA81arsiXysd3WbTRzmE$Nm8QBM+7RH1DXo9rvp5cwKEOOOfD2g6JuxlXihoNcpE")]
    [InlineData("$argon2id$v=19$m=4882,t=2,p=1$bA81arsiXysd3WbTRzmEOw==$Nm8QBM+7RH1DXo9rvp5cwKEOOOfD2g6JuxlXihoNcpE")]
    [InlineData("$argon2id$v=19$m=+4882,t=2,p=1$bA81arsiXysd3WbTRzmEOw$Nm8QBM+7RH1DXo9rvp5cwKEOOOfD2g6JuxlXihoNcpE")]
    public async Task A_stored_value_that_is_not_a_hash_fails_instead_of_throwing(string stored)
    {
        using var hasher = Hasher(64);

        Assert.Equal(PasswordVerificationResult.Failed, await hasher.VerifyAsync(stored, "correct horse", CancellationToken.None));
    }

    [Fact]
    public async Task When_the_expected_wait_for_a_hashing_slot_passes_the_bound_a_sign_in_is_503_with_Retry_After()
    {
        // One slot, no wait allowed, and a check that holds its slot until the test lets it go: the second sign-in comes
        // while the first is being checked, whatever the machine's speed.
        using var held = new HeldVerification();
        await using var host = new ServiceHost(database.ConnectionString, new Dictionary<string, string?>
        {
            ["PasswordHashing:MaxConcurrentHashes"] = "1",
            ["PasswordHashing:MaxExpectedWait"] = "00:00:00",
        }, held.Register);
        using var client = host.CreateSocketClient();

        var first = client.PostAsJsonAsync("/api/auth/login", new { email = FakeUsers.Next().Email, password = "correct horse" });
        await held.Entered.WaitAsync(Eventually.DefaultTimeout);
        var busy = await client.PostAsJsonAsync("/api/auth/login", new { email = FakeUsers.Next().Email, password = "correct horse" });
        held.Release();

        Assert.Equal(HttpStatusCode.Unauthorized, (await first).StatusCode);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, busy.StatusCode);
        Assert.True(busy.Headers.RetryAfter?.Delta >= TimeSpan.FromSeconds(1));
        Snapshot.Match(await ResponseSnapshot.OfAsync(busy, "traceId"));
    }

    /// <summary>The service's algorithm, whose password checks wait in their hashing slot until <see cref="Release"/>.</summary>
    private sealed class HeldVerification : IDisposable
    {
        private readonly TaskCompletionSource _entered = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly ManualResetEventSlim _released = new();

        public Task Entered => _entered.Task;

        public void Release() => _released.Set();

        public void Register(IServiceCollection services) =>
            services.AddSingleton<IPasswordHasher<PasswordHasher>>(provider =>
                new Algorithm(this, PasswordHasher.Algorithm(provider.GetRequiredService<IOptions<PasswordHashingOptions>>().Value)));

        public void Dispose() => _released.Dispose();

        private sealed class Algorithm(HeldVerification held, IPasswordHasher<PasswordHasher> inner) : IPasswordHasher<PasswordHasher>
        {
            public string HashPassword(PasswordHasher user, string password) => inner.HashPassword(user, password);

            public PasswordVerificationResult VerifyHashedPassword(PasswordHasher user, string hashedPassword, string providedPassword)
            {
                held._entered.TrySetResult();
                held._released.Wait(Eventually.DefaultTimeout);
                return inner.VerifyHashedPassword(user, hashedPassword, providedPassword);
            }
        }
    }
}
