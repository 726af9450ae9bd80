namespace MinimalBackend.Infrastructure.OpenApi;

/// <summary>
/// An optional request header the endpoint reads, declared as endpoint metadata
/// (<c>Description(d => d.WithMetadata(new AcceptsHeader(...)))</c>): a header parameter of its operation, so a
/// generated client offers it as a typed option instead of a cast around its request.
/// </summary>
public sealed record AcceptsHeader(string Name, string Description, int MaxLength);

/// <summary>A header the endpoint may answer with on <see cref="Status"/>, declared as endpoint metadata like <see cref="AcceptsHeader"/>.</summary>
public sealed record AnswersWithHeader(int Status, string Name, string Description);
