using System.Reflection;
using System.Security.Cryptography;
using System.Text;

namespace MinimalBackend.Infrastructure.Database;

/// <summary>One ordered SQL file of the service's schema history.</summary>
public sealed record Migration(string Id, string Sql)
{
    public string Checksum { get; } = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(Sql)));

    private const string ResourcePrefix = "Migrations/";

    /// <summary>The migrations embedded in the service assembly, ordered by file name.</summary>
    public static IReadOnlyList<Migration> Embedded { get; } = LoadEmbedded(typeof(Migration).Assembly);

    private static List<Migration> LoadEmbedded(Assembly assembly) =>
        assembly.GetManifestResourceNames()
            .Where(name => name.StartsWith(ResourcePrefix, StringComparison.Ordinal) && name.EndsWith(".sql", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal)
            .Select(name =>
            {
                using var stream = assembly.GetManifestResourceStream(name)!;
                using var reader = new StreamReader(stream, Encoding.UTF8);
                return new Migration(Path.GetFileNameWithoutExtension(name[ResourcePrefix.Length..]), reader.ReadToEnd());
            })
            .ToList();
}
