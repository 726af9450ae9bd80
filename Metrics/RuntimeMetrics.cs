using Prometheus;

namespace MinimalBackend.Metrics;

/// <summary>
/// The .NET runtime figures the dashboard shows (GC heap, pauses, allocations, thread pool, lock
/// contention, exceptions), read from the runtime's own counters at scrape time. prometheus-net's meter
/// adapter would export the same numbers as gauges with <c>_count</c> names that promtool rejects, next to
/// ASP.NET Core's duplicate request histogram and some thirty private QUIC series, so it is off and these
/// few series are declared here with Prometheus types and names.
/// </summary>
internal static class RuntimeMetrics
{
    private static readonly string[] GenerationNames = ["gen0", "gen1", "gen2", "loh", "poh"];
    private static long s_exceptions;

    // Counting first-chance exceptions is one interlocked increment per throw; exceptions are rare on a healthy path.
    // The count is the process's, so one handler serves every registry (every host) in it.
    private static readonly Lazy<bool> ExceptionsCounted = new(() =>
    {
        AppDomain.CurrentDomain.FirstChanceException += (_, _) => Interlocked.Increment(ref s_exceptions);
        return true;
    });

    public static void Register(CollectorRegistry registry)
    {
        var factory = Prometheus.Metrics.WithCustomRegistry(registry);
        var heapSize = factory.CreateGauge("dotnet_gc_heap_size_bytes",
            "Size of each GC generation after the last collection, in bytes.", "generation");
        var committed = factory.CreateGauge("dotnet_gc_committed_bytes",
            "Memory committed by the GC heap after the last collection, in bytes.");
        var fragmented = factory.CreateGauge("dotnet_gc_fragmented_bytes",
            "Free space inside the GC heap after the last collection, in bytes.");
        var allocated = factory.CreateCounter("dotnet_gc_allocated_bytes_total",
            "Bytes allocated on the managed heap since the process started.");
        var pause = factory.CreateCounter("dotnet_gc_pause_seconds_total",
            "Time the runtime spent paused for garbage collection, in seconds.");
        var poolThreads = factory.CreateGauge("dotnet_thread_pool_threads",
            "Thread-pool threads that currently exist.");
        var poolQueue = factory.CreateGauge("dotnet_thread_pool_queue_length",
            "Work items queued to the thread pool and not yet started.");
        var poolCompleted = factory.CreateCounter("dotnet_thread_pool_completed_items_total",
            "Work items the thread pool has completed.");
        var contentions = factory.CreateCounter("dotnet_monitor_lock_contentions_total",
            "Times a thread waited for a contended lock.");
        var exceptions = factory.CreateCounter("dotnet_exceptions_total",
            "Exceptions thrown in the process, handled or not.");

        _ = ExceptionsCounted.Value;

        registry.AddBeforeCollectCallback(() =>
        {
            var info = GC.GetGCMemoryInfo();
            var generations = info.GenerationInfo;
            for (var i = 0; i < generations.Length && i < GenerationNames.Length; i++)
            {
                heapSize.WithLabels(GenerationNames[i]).Set(generations[i].SizeAfterBytes);
            }
            committed.Set(info.TotalCommittedBytes);
            fragmented.Set(info.FragmentedBytes);
            allocated.IncTo(GC.GetTotalAllocatedBytes());
            pause.IncTo(GC.GetTotalPauseDuration().TotalSeconds);
            poolThreads.Set(ThreadPool.ThreadCount);
            poolQueue.Set(ThreadPool.PendingWorkItemCount);
            poolCompleted.IncTo(ThreadPool.CompletedWorkItemCount);
            contentions.IncTo(Monitor.LockContentionCount);
            exceptions.IncTo(Interlocked.Read(ref s_exceptions));
        });
    }
}
