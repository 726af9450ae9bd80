using Snapshooter;
using Snapshooter.Exceptions;
using Snapshooter.Xunit;

namespace MinimalBackend.Tests.Support;

// The strict-mode switch is a process-wide environment variable: flipping it while other classes run would make
// their new snapshots fail for a moment, so this class runs alone, after the parallel ones.
[Collection(nameof(StrictSnapshotsTests))]
public sealed class StrictSnapshotsTests
{
    [CollectionDefinition(nameof(StrictSnapshotsTests), DisableParallelization = true)]
    public sealed class RunsAlone;

    [Fact]
    public void In_strict_mode_a_missing_snapshot_fails_and_is_not_written()
    {
        var directory = Directory.CreateTempSubdirectory("snapshots-").FullName;
        var previous = Environment.GetEnvironmentVariable("SNAPSHOOTER_STRICT_MODE");
        Environment.SetEnvironmentVariable("SNAPSHOOTER_STRICT_MODE", "true");
        try
        {
            Assert.Throws<SnapshotNotFoundException>(() => Snapshot.Match(new { value = 1 }, new SnapshotFullName("never_written", directory)));
            // Snapshooter leaves the actual value under __mismatch__ (git-ignored) for review; the snapshot itself is not created.
            Assert.DoesNotContain(Directory.EnumerateFiles(directory, "*", SearchOption.AllDirectories), f => !f.Contains("__mismatch__", StringComparison.Ordinal));
        }
        finally
        {
            Environment.SetEnvironmentVariable("SNAPSHOOTER_STRICT_MODE", previous);
            Directory.Delete(directory, recursive: true);
        }
    }

    [Theory]
    [InlineData("true", true)]
    [InlineData("TRUE", true)]
    [InlineData("", false)]
    [InlineData(null, false)]
    public void Strict_mode_follows_the_CI_variable(string? ci, bool strict)
    {
        Assert.Equal(strict, StrictSnapshots.IsCi(ci));
    }
}
