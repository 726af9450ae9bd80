using Bogus;

namespace MinimalBackend.Features.Users;

public sealed record FakeUser(string Email, string DisplayName, string Password, DateTime CreatedAt);

/// <summary>
/// Realistic fake users (Bogus) for the <c>seed</c> command and the tests: display names from several
/// locales and scripts, unique emails, sign-up times spread over the last two years.
/// </summary>
public static class FakeUsers
{
    private static readonly string[] Locales = ["en", "de", "fr", "es", "pt_BR", "ko", "ja", "ru"];

    // Unique within the process by the counter, across processes by the random tag, so seeding twice or
    // tests running against one database never collide on the unique email index.
    private static readonly string RunTag = Convert.ToHexStringLower(Guid.NewGuid().ToByteArray()[..3]);
    private static readonly Lock Gate = new();
    private static readonly Faker Faker = new("en");
    private static readonly Dictionary<string, Faker> Localized = Locales.ToDictionary(l => l, l => new Faker(l), StringComparer.Ordinal);
    private static long s_sequence;

    public static FakeUser Next()
    {
        // Bogus's fakers are not thread-safe.
        lock (Gate)
        {
            var sequence = ++s_sequence;
            var names = Localized[Faker.PickRandom(Locales)].Name;
            var firstName = Faker.Name.FirstName();
            var lastName = Faker.Name.LastName();
            return new FakeUser(
                Faker.Internet.Email(firstName, lastName, uniqueSuffix: $".{RunTag}{sequence}"),
                names.FullName(),
                Faker.Internet.Password(16, memorable: false),
                DateTime.SpecifyKind(Faker.Date.Past(2, DateTime.UtcNow), DateTimeKind.Utc));
        }
    }

    public static IEnumerable<FakeUser> Generate(int count)
    {
        for (var i = 0; i < count; i++)
        {
            yield return Next();
        }
    }
}
