using System.Text;
using Snapshooter;
using Snapshooter.Xunit;

namespace MinimalBackend.Tests.Support;

// The .editorconfig asks for UTF-8 without a byte order mark and LF line endings (.gitattributes keeps LF on
// checkout). Snapshooter 1.3.1 writes a new snapshot with Encoding.UTF8, which puts a BOM first; it reads any
// snapshot back with BOM detection, so a snapshot stripped of its BOM still matches.
public sealed class SnapshotFilesTests
{
    private static readonly byte[] ByteOrderMark = [0xEF, 0xBB, 0xBF];

    [Fact]
    public void A_snapshot_without_a_byte_order_mark_matches()
    {
        var directory = Directory.CreateTempSubdirectory("snapshots-").FullName;
        try
        {
            var folder = Directory.CreateDirectory(Path.Combine(directory, "__snapshots__")).FullName;
            File.WriteAllText(Path.Combine(folder, "without_bom.snap"), "{\n  \"value\": \"é\"\n}\n", new UTF8Encoding(encoderShouldEmitUTF8Identifier: false));

            Snapshot.Match(new { value = "é" }, new SnapshotFullName("without_bom.snap", directory));

            // Matched against that file, not written anew beside it.
            Assert.Equal("without_bom.snap", Path.GetFileName(Assert.Single(Directory.EnumerateFiles(directory, "*", SearchOption.AllDirectories))));
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public void Committed_snapshots_have_no_byte_order_mark_and_LF_line_endings()
    {
        var snapshots = Directory.EnumerateFiles(Path.Combine(RepositoryRoot.Path, "Tests"), "*.snap", SearchOption.AllDirectories)
            .Where(f => Path.GetFileName(Path.GetDirectoryName(f)) == "__snapshots__")
            .ToList();
        Assert.NotEmpty(snapshots);

        var wrong = snapshots
            .Select(f => (File: Path.GetRelativePath(RepositoryRoot.Path, f), Bytes: File.ReadAllBytes(f)))
            .Where(s => s.Bytes.AsSpan().StartsWith(ByteOrderMark) || s.Bytes.Contains((byte)'\r'))
            .Select(s => s.File)
            .ToList();
        Assert.True(wrong.Count == 0,
            "Snapshots with a byte order mark (Snapshooter writes one in a new snapshot) or CR line endings; " +
            "fix them with: sed -i -e '1s/^\\xEF\\xBB\\xBF//' -e 's/\\r$//' <file>\n" + string.Join('\n', wrong));
    }
}
