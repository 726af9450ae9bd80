using System.Diagnostics;

namespace MinimalBackend.Tests.Support;

/// <summary>
/// Waits for background work (a job, a metric tick) to reach a state. The timeout is a bound on a hang, not a
/// claim about speed: nothing here asserts how long the work took.
/// </summary>
public static class Eventually
{
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(60);

    /// <summary>
    /// Reads until <paramref name="isDone"/> holds, every <paramref name="interval"/> (50 ms: give a longer one to a
    /// read that costs), and returns the last value; throws after <paramref name="timeout"/>.
    /// </summary>
    public static async Task<T> UntilAsync<T>(Func<Task<T>> read, Func<T, bool> isDone, string what, TimeSpan? timeout = null, TimeSpan? interval = null)
    {
        var waited = Stopwatch.StartNew();
        while (true)
        {
            var value = await read();
            if (isDone(value))
            {
                return value;
            }
            if (waited.Elapsed > (timeout ?? DefaultTimeout))
            {
                throw new TimeoutException($"Still waiting for {what} after {waited.Elapsed.TotalSeconds:0} s; last seen: {value}");
            }
            await Task.Delay(interval ?? TimeSpan.FromMilliseconds(50));
        }
    }
}
