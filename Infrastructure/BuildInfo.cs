using System.Reflection;

namespace MinimalBackend.Infrastructure;

/// <summary>
/// Which build is running: the project's version and the git commit it was built from. The .NET SDK appends
/// the commit to the informational version (<c>1.0.0+3f2a...</c>) when it builds from a git checkout
/// (SourceRevisionId, from Microsoft.Build.Tasks.Git); a build without git (a source tarball) has none.
/// </summary>
public static class BuildInfo
{
    public const string UnknownCommit = "unknown";

    private static readonly string Informational =
        typeof(BuildInfo).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "0.0.0";

    /// <summary>The version without the commit, e.g. <c>1.0.0</c>.</summary>
    public static string Version { get; } = Informational.Split('+')[0];

    /// <summary>The full commit hash, or <see cref="UnknownCommit"/> when the build had no git.</summary>
    public static string Commit { get; } = Informational.Split('+') is [_, var commit, ..] && commit.Length > 0 ? commit : UnknownCommit;
}
