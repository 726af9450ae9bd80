using System.Collections.Concurrent;
using System.Runtime.InteropServices;

namespace MinimalBackend.Infrastructure.Security;

/// <summary>
/// Threads of their own, each at a lower scheduling priority than the rest of the process, for CPU-bound work
/// that must not starve requests: on an idle machine the work gets every core it is given, and as soon as request
/// threads want the CPU the kernel gives it to them first. Linux ignores <see cref="Thread.Priority"/> (it sets no
/// nice value: dotnet/runtime#91165), so there each thread raises its own nice value, which any process may do.
/// </summary>
public sealed class LowPriorityThreads : IDisposable
{
    /// <summary>The nice value of the threads on Linux (0 is the default, 19 the lowest priority).</summary>
    public const int NiceValue = 10;

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
            // who = 0 is the calling thread on Linux (nice values are per thread there; setpriority(2), BUGS).
            // Raising one's own nice value needs no privilege; should it fail, the work runs at normal priority.
            _ = SetPriority(ProcessPriority, 0, NiceValue);
        }
        else
        {
            Thread.CurrentThread.Priority = ThreadPriority.BelowNormal;
        }
    }

    private const int ProcessPriority = 0; // PRIO_PROCESS

    // "libc" is the platform's C library to the runtime's loader (libc.so.6 on glibc). DllImport rather than
    // LibraryImport, whose generated code would need unsafe blocks for a call that marshals only integers.
    [DllImport("libc", EntryPoint = "setpriority")]
    private static extern int SetPriority(int which, uint who, int priority);
}
