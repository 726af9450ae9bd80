using MinimalBackend.Infrastructure.Database;

namespace MinimalBackend.Tests.Infrastructure.Database;

public sealed class ListenerBackoffTests
{
    [Fact]
    public void The_first_pause_is_well_under_a_second_and_the_pauses_double_with_jitter_up_to_one_second()
    {
        for (var sample = 0; sample < 200; sample++)
        {
            Assert.InRange(ListenerBackoff.Delay(1), TimeSpan.FromMilliseconds(50), TimeSpan.FromMilliseconds(100));
            Assert.InRange(ListenerBackoff.Delay(2), TimeSpan.FromMilliseconds(100), TimeSpan.FromMilliseconds(200));
            Assert.InRange(ListenerBackoff.Delay(4), TimeSpan.FromMilliseconds(400), TimeSpan.FromMilliseconds(800));
            Assert.InRange(ListenerBackoff.Delay(5), TimeSpan.FromMilliseconds(500), TimeSpan.FromSeconds(1));
            Assert.InRange(ListenerBackoff.Delay(int.MaxValue), TimeSpan.FromMilliseconds(500), TimeSpan.FromSeconds(1));
        }
    }

    [Fact]
    public void Pauses_are_jittered_so_instances_that_failed_together_do_not_retry_together()
    {
        var pauses = Enumerable.Range(0, 50).Select(_ => ListenerBackoff.Delay(10)).ToHashSet();

        Assert.True(pauses.Count > 10, $"only {pauses.Count} distinct pauses in 50");
    }
}
