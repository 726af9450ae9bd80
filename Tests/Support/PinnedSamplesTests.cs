using System.Globalization;
using System.Text.RegularExpressions;
using CsCheck;
using Xunit.Sdk;

namespace MinimalBackend.Tests.Support;

public sealed partial class PinnedSamplesTests
{
    [Fact]
    public async Task Every_run_checks_the_same_samples()
    {
        var first = await SamplesAsync();
        var second = await SamplesAsync();

        Assert.Equal(first, second);
        Assert.True(first.Distinct().Count() > 10, "the samples vary within a run");
    }

    [Fact]
    public async Task A_failure_names_its_sample_and_the_seed_that_draws_it_again()
    {
        var target = (await SamplesAsync())[7];

        var failure = await Assert.ThrowsAsync<XunitException>(() =>
            PinnedSamples.CheckAsync(Gen.Int, 20, x => { Assert.NotEqual(target, x); return Task.CompletedTask; }, Print));

        Assert.Contains($"Sample 8 of 20 of the run PROPERTY_TEST_SEED={PinnedSamples.Seed}", failure.Message, StringComparison.Ordinal);
        Assert.Contains(Print(target), failure.Message, StringComparison.Ordinal);
        var seed = ReplaySeed().Match(failure.Message).Groups[1].Value;
        Assert.Equal(target, Gen.Int.Generate(PCG.Parse(seed), null, out _));
    }

    private static async Task<List<int>> SamplesAsync()
    {
        var seen = new List<int>();
        await PinnedSamples.CheckAsync(Gen.Int, 20, x => { seen.Add(x); return Task.CompletedTask; }, Print);
        return seen;
    }

    private static string Print(int x) => x.ToString(CultureInfo.InvariantCulture);

    [GeneratedRegex(@"CsCheck_Seed=(\S+) replays")]
    private static partial Regex ReplaySeed();
}
