using System.Diagnostics;
using System.Globalization;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;
using MinimalBackend.Infrastructure.Security;

// Usage: HashTiming [samples]. Prints the median and p90 milliseconds of one hash on one thread, after a warm-up, with
// the service's algorithm at its default settings (Argon2id) and, for comparison, with the PBKDF2 it used before; then
// how many hashes a second each makes with one thread per core, as the service's hashing slots do by default.
var samples = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 30;
var argon2id = new Argon2idPasswordHasher(new PasswordHashingOptions());
var pbkdf2 = new PasswordHasher<PasswordHasher>(Options.Create(new PasswordHasherOptions { IterationCount = 220_000 }));

Report("Argon2id m=19456 KiB, t=2 (the default)", () => argon2id.HashPassword(null!, "correct horse battery staple"));
Report("PBKDF2-HMAC-SHA512, 220,000 iterations (before)", () => pbkdf2.HashPassword(null!, "correct horse battery staple"));

void Report(string name, Action hash)
{
    hash();
    var times = new double[samples];
    for (var i = 0; i < samples; i++)
    {
        var started = Stopwatch.GetTimestamp();
        hash();
        times[i] = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
    }
    Array.Sort(times);

    var threads = Environment.ProcessorCount;
    var each = Math.Max(samples / threads, 1);
    var all = Stopwatch.GetTimestamp();
    Parallel.For(0, threads, new ParallelOptions { MaxDegreeOfParallelism = threads }, _ =>
    {
        for (var i = 0; i < each; i++)
        {
            hash();
        }
    });
    var perSecond = threads * each / Stopwatch.GetElapsedTime(all).TotalSeconds;

    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"{name}: median {times[samples / 2]:0.0} ms, p90 {times[(int)(samples * 0.9)]:0.0} ms per hash ({samples} samples); {perSecond:0.0} hashes/s on {threads} threads"));
}
