using System.Text.Json;
using Coravel.Invocable;

namespace MinimalBackend.Infrastructure.Jobs;

/// <summary>
/// A kind of job: its stable name (stored in <c>jobs.type</c>), its queue, its retry policy, and the
/// Coravel invocable that runs it with its payload. Registered with <c>services.AddJob&lt;,&gt;()</c>.
/// </summary>
public abstract class JobType(string name, string queue, Type payloadType, JobTypeOptions options)
{
    /// <summary>Payloads are stored as JSON with the web defaults (camelCase), like the API's bodies.</summary>
    internal static readonly JsonSerializerOptions PayloadJson = JsonSerializerOptions.Web;

    public string Name { get; } = name;

    public string Queue { get; } = queue;

    public Type PayloadType { get; } = payloadType;

    /// <summary>The registered defaults until the registry applies <c>Jobs:Types:&lt;name&gt;</c> over them.</summary>
    public JobTypeOptions Options { get; internal set; } = options;

    /// <summary>Reads a stored payload; an exception means the job can never run.</summary>
    internal abstract object ReadPayload(string json);

    /// <summary>
    /// Runs the invocable the way Coravel's own queue does: resolved from the job's DI scope, given its
    /// payload, and (if it is an <see cref="ICancellableInvocable"/>) the token that fires when the host's
    /// shutdown timeout runs out.
    /// </summary>
    internal abstract Task InvokeAsync(IServiceProvider scopedServices, object payload, CancellationToken cancellationToken);
}

internal sealed class JobType<TInvocable, TPayload>(string name, string queue, JobTypeOptions options)
    : JobType(name, queue, typeof(TPayload), options)
    where TInvocable : IInvocable, IInvocableWithPayload<TPayload>
{
    internal override object ReadPayload(string json) =>
        JsonSerializer.Deserialize<TPayload>(json, PayloadJson) ?? throw new JsonException($"The payload of a {Name} job is null.");

    internal override Task InvokeAsync(IServiceProvider scopedServices, object payload, CancellationToken cancellationToken)
    {
        var invocable = scopedServices.GetRequiredService<TInvocable>();
        invocable.Payload = (TPayload)payload;
        if (invocable is ICancellableInvocable cancellable)
        {
            cancellable.CancellationToken = cancellationToken;
        }
        return invocable.Invoke();
    }
}

/// <summary>
/// The job being run, for its invocable (a scoped service): its id is a natural idempotency key, and the
/// attempt number tells a handler it is a retry.
/// </summary>
public sealed class JobContext
{
    public long JobId { get; internal set; }

    public string Type { get; internal set; } = "";

    public string Queue { get; internal set; } = "";

    public int Attempt { get; internal set; }

    public int MaxAttempts { get; internal set; }
}
