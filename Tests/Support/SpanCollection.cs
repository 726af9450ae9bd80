using System.Collections;
using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Trace;

namespace MinimalBackend.Tests.Support;

/// <summary>
/// The spans a host ended, through OpenTelemetry's in-memory exporter: add <see cref="Register"/> to the host's
/// services and set <c>OTEL_TRACES_SAMPLER</c> so it records. Safe to read while the host adds to it.
/// </summary>
public sealed class SpanCollection : ICollection<Activity>
{
    private readonly List<Activity> _spans = [];
    private readonly Lock _lock = new();

    public void Register(IServiceCollection services) =>
        services.ConfigureOpenTelemetryTracerProvider(tracing => tracing.AddInMemoryExporter(this));

    public IReadOnlyList<Activity> Snapshot()
    {
        lock (_lock)
        {
            return [.. _spans];
        }
    }

    public IReadOnlyList<Activity> InTrace(ActivityTraceId traceId) => [.. Snapshot().Where(s => s.TraceId == traceId)];

    public Task<Activity> WaitForAsync(Func<Activity, bool> match, string what) =>
        Eventually.UntilAsync(() => Task.FromResult(Snapshot().FirstOrDefault(match)), span => span is not null, what)!;

    public int Count => Snapshot().Count;

    public bool IsReadOnly => false;

    public void Add(Activity item)
    {
        lock (_lock)
        {
            _spans.Add(item);
        }
    }

    public void Clear()
    {
        lock (_lock)
        {
            _spans.Clear();
        }
    }

    public bool Contains(Activity item) => Snapshot().Contains(item);

    public void CopyTo(Activity[] array, int arrayIndex) => Snapshot().ToList().CopyTo(array, arrayIndex);

    public bool Remove(Activity item)
    {
        lock (_lock)
        {
            return _spans.Remove(item);
        }
    }

    public IEnumerator<Activity> GetEnumerator() => Snapshot().GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
