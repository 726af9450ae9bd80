using System.Collections.Concurrent;
using System.Runtime.InteropServices;

namespace MinimalBackend.Infrastructure.Security;

/// <summary>
/// Threads of their own, each at a lower scheduling priority than the rest of the process, for CPU-bound work
/// that must not starve requests: on an idle machine the work gets every core it is given, and as soon as request
/// threads want the CPU the kernel gives it to them first. Linux ignores <see cref="Thread.Priority"/> (it sets no
/// nice value: dotnet/runtime#91165), so there each thread raises its own nice value, which any process may do, by
/// <see cref="NiceIncrement"/> over the thread that made it: a service started with <c>nice</c> keeps the gap.
/// </summary>
public sealed class LowPriorityThreads : IDisposable
{
    /// <summary>How much higher the threads' nice value is on Linux than their maker's (at most 19, the lowest priority).</summary>
    public const int NiceIncrement = 10;

    private readonly BlockingCollection<Action> _work = new();

    public LowPriorityThreads(int count, string name)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        for (var i = 0; i < count; i++)
        {
            new Thread(Run) { IsBackground = true, Name = $"{name} {i + 1}" }.Start();
        }
    }

    /// <summary>Runs <paramref name="work"/> on the first free thread and completes with its result or exception.</summary>
    public Task<T> RunAsync<T>(Func<T> work)
    {
        var done = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        _work.Add(() =>
        {
            try
            {
                done.SetResult(work());
            }
            catch (Exception e)
            {
                // Whatever the work throws belongs to its caller, not to this thread.
                done.SetException(e);
            }
        });
        return done.Task;
    }

    /// <summary>Lets the threads end once the work already given is done.</summary>
    public void Dispose() => _work.CompleteAdding();

    private void Run()
    {
        LowerPriority();
        foreach (var work in _work.GetConsumingEnumerable())
        {
            work();
        }
    }

    private static void LowerPriority()
    {
        if (OperatingSystem.IsLinux())
        {
            // nice(2) adds to the calling thread's own nice value on Linux (nice values are per thread there) and
            // stops at 19. Raising one's own nice value needs no privilege; should it fail, the work runs as it was.
            _ = Nice(NiceIncrement);
        }
        else
        {
            Thread.CurrentThread.Priority = ThreadPriority.BelowNormal;
        }
    }

    // "libc" is the platform's C library to the runtime's loader (libc.so.6 on glibc). DllImport rather than
    // LibraryImport, whose generated code would need unsafe blocks for a call that marshals only integers.
    [DllImport("libc", EntryPoint = "nice")]
    private static extern int Nice(int increment);
}
