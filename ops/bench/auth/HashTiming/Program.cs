using System.Diagnostics;
using System.Globalization;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;

// Usage: HashTiming [iterations] [samples]. Prints the median and p90 milliseconds of one hash
// (PasswordHasher<T>, PBKDF2-HMAC-SHA512) on one thread, after a warm-up.
var iterations = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 220_000;
var samples = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 30;
var hasher = new PasswordHasher<object>(Options.Create(new PasswordHasherOptions { IterationCount = iterations }));
var user = new object();

hasher.HashPassword(user, "warm-up password");
var times = new double[samples];
for (var i = 0; i < samples; i++)
{
    var started = Stopwatch.GetTimestamp();
    hasher.HashPassword(user, "correct horse battery staple");
    times[i] = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
}
Array.Sort(times);
Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"{iterations} iterations: median {times[samples / 2]:0.0} ms, p90 {times[(int)(samples * 0.9)]:0.0} ms per hash ({samples} samples)"));
