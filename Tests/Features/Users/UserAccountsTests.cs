using CsCheck;
using MinimalBackend.Features.Users;
using MinimalBackend.Tests.Support;
using Npgsql;

namespace MinimalBackend.Tests.Features.Users;

// The one email identity rule, against the real users table: whatever spelling reaches an account counts
// against that account's sign-in limit. The class's host has migrated the database.
[Collection(nameof(UserAccountsTests))]
public sealed class UserAccountsTests(ServiceFixture service) : IClassFixture<ServiceFixture>
{
    [CollectionDefinition(nameof(UserAccountsTests))]
    public sealed class OwnDatabase : ICollectionFixture<DatabaseFixture>;

    // Letters with the spellings that reach the same mailbox or look as if they should: ASCII case, the Kelvin
    // and Angstrom signs, fullwidth forms, the long s, ligatures, decomposed accents, Turkish and Greek cases.
    private static readonly (string Letter, string[] Spellings)[] Letters =
    [
        ("k", ["k", "K", "\u212A", "\uFF4B", "\uFF2B"]),
        ("s", ["s", "S", "\u017F", "\uFF53"]),
        ("i", ["i", "I", "\u0130", "\u0131", "\uFF49"]),
        ("a", ["a", "A", "\uFF41", "\u00AA"]),
        ("\u00E5", ["\u00E5", "\u00C5", "\u212B", "a\u030A", "A\u030A"]),
        ("\u00E9", ["\u00E9", "\u00C9", "e\u0301", "E\u0301"]),
        ("ff", ["ff", "FF", "\uFB00", "Ff"]),
        ("\u00DF", ["\u00DF", "\u1E9E", "ss", "SS"]),
        ("\u03C3", ["\u03C3", "\u03A3", "\u03C2"]),
        ("n", ["n", "N", "\uFF4E"]),
        ("1", ["1", "\uFF11", "\u2460", "\u00B9"]),
    ];

    private static readonly Gen<int[]> Picks = Gen.Int[0, Letters.Length - 1].Array[1, 8];

    private static readonly Gen<(string Address, string[] Variants)> AddressWithVariants =
        Picks.SelectMany(picks =>
            Gen.Int[0, 99].Array[picks.Length].Array[4].Select(choices =>
            {
                var local = string.Concat(picks.Select(p => Letters[p].Letter));
                var variants = choices.Select(choice => string.Concat(picks.Select((p, i) => Letters[p].Spellings[choice[i] % Letters[p].Spellings.Length]))).ToArray();
                return (local, variants);
            }));

    [Fact]
    public async Task Every_spelling_that_reaches_an_account_counts_against_that_accounts_sign_in_limit()
    {
        await using var connection = new NpgsqlConnection(service.ConnectionString);
        await connection.OpenAsync();

        await PinnedSamples.CheckAsync(AddressWithVariants, 200, async sample =>
        {
            var domain = $"@{Guid.NewGuid():N}.example.com";
            var address = sample.Address + domain;
            var created = await UserAccounts.TryCreateAsync(connection, null, new NewAccount(address, "not a hash", "Variant Test", UserRoles.User), CancellationToken.None);
            Assert.NotNull(created);
            var own = await UserAccounts.FindByEmailAsync(connection, address, CancellationToken.None);
            Assert.Equal(created.Id, own.Account?.Id);
            foreach (var variant in sample.Variants.Select(v => v + domain))
            {
                var lookup = await UserAccounts.FindByEmailAsync(connection, variant, CancellationToken.None);
                var reaches = lookup.Account?.Id == created.Id;
                // The sign-in endpoint takes its limit by the lookup's key: reaching the account and sharing its limit are one thing.
                var sharesLimit = lookup.EmailKey == own.EmailKey;
                Assert.True(reaches == sharesLimit, $"'{Escaped(variant)}' reaches the account of '{Escaped(address)}': {reaches}; shares its limit: {sharesLimit}");
            }
        }, sample => Escaped(sample.Address) + " / " + string.Join(", ", sample.Variants.Select(Escaped)));
    }

    [Theory]
    [InlineData("\u212Aate", "kate")]
    [InlineData("\uFF4Bate", "Kate")]
    [InlineData("\u017Fam", "sam")]
    [InlineData("jos\u00E9", "jose\u0301")]
    [InlineData("\uFB00ion", "ffion")]
    [InlineData("\u2460\u00B9", "11")]
    public async Task Compatibility_spellings_share_one_key(string spelling, string plain)
    {
        await using var connection = new NpgsqlConnection(service.ConnectionString);
        await connection.OpenAsync();

        Assert.Equal(
            await UserAccounts.IdentityKeyAsync(connection, plain + "@example.com", CancellationToken.None),
            await UserAccounts.IdentityKeyAsync(connection, spelling + "@example.com", CancellationToken.None));
    }

    [Theory]
    [InlineData("\u0130stanbul@example.com", "istanbul@example.com")]
    [InlineData("\u00C9lise@example.com", "\u00E9lise@example.com")]
    [InlineData("\u212Bngstr\u00F6m@example.com", "\u00E5ngstr\u00F6m@example.com")]
    [InlineData("\u03A3\u03BF\u03C6\u03AF\u03B1@example.com", "\u03C3\u03BF\u03C6\u03AF\u03B1@example.com")]
    public async Task An_upper_case_letter_outside_ASCII_cannot_make_an_account_and_its_lower_case_can(string upper, string lower)
    {
        await using var connection = new NpgsqlConnection(service.ConnectionString);
        await connection.OpenAsync();

        Assert.False(await UserAccounts.CanCreateWithAsync(connection, upper, CancellationToken.None));
        Assert.True(await UserAccounts.CanCreateWithAsync(connection, lower, CancellationToken.None));
    }

    private static string Escaped(string text) =>
        string.Concat(text.Select(c => c is >= ' ' and <= '~' ? c.ToString() : $"\\u{(int)c:X4}"));
}
