using Microsoft.Extensions.Options;

namespace MinimalBackend.Infrastructure.Jobs;

/// <summary>
/// The job types this instance knows, with <c>Jobs:Types:&lt;name&gt;</c> applied over their registered
/// defaults. An instance claims only jobs of types it knows, so during a rolling deploy the old version
/// leaves a new version's job types to the new version instead of failing them.
/// </summary>
public sealed class JobTypeRegistry
{
    private readonly Dictionary<string, JobType> _byName = new(StringComparer.Ordinal);
    private readonly Dictionary<Type, JobType> _byPayload = [];

    public JobTypeRegistry(IEnumerable<JobType> types, IConfiguration configuration)
    {
        var problems = new List<string>();
        foreach (var type in types)
        {
            if (!_byName.TryAdd(type.Name, type))
            {
                problems.Add($"The job type {type.Name} is registered twice.");
                continue;
            }
            if (!_byPayload.TryAdd(type.PayloadType, type))
            {
                problems.Add($"The payload {type.PayloadType.Name} belongs to two job types; give each job type its own payload record.");
            }
            var options = type.Options.Copy();
            configuration.GetSection($"{JobsOptions.SectionName}:Types:{type.Name}").Bind(options);
            problems.AddRange(options.Problems(type.Name));
            type.Options = options;
        }
        if (problems.Count > 0)
        {
            throw new OptionsValidationException(JobsOptions.SectionName, typeof(JobTypeOptions), problems);
        }
        Queues = _byName.Values.Select(t => t.Queue).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
    }

    /// <summary>Every queue some known job type runs on: the closed set of <c>queue</c> label values.</summary>
    public IReadOnlyList<string> Queues { get; }

    public IEnumerable<JobType> InQueue(string queue) => _byName.Values.Where(t => t.Queue == queue);

    public bool TryGet(string name, out JobType type) => _byName.TryGetValue(name, out type!);

    public JobType ForPayload<TPayload>() =>
        _byPayload.TryGetValue(typeof(TPayload), out var type)
            ? type
            : throw new InvalidOperationException(
                $"No job type takes a {typeof(TPayload).Name} payload. Register one with services.AddJob<TInvocable, {typeof(TPayload).Name}>(...).");
}
