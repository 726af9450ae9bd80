using MinimalBackend.Infrastructure.Security;

namespace MinimalBackend.Tests.Infrastructure.Security;

// Admission by expected wait, counted: hash times are given, not measured, so nothing here depends on the machine.
public sealed class HashAdmissionTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(5);

    [Fact]
    public void A_burst_of_48_sign_ins_at_this_machines_hash_time_is_admitted_whole()
    {
        // 87.6 ms: the median PBKDF2 hash (220,000 iterations) the issue measured here; one slot on 2 cores.
        // A queue of 32 refused 15 of these 48 with 503.
        var admission = new HashAdmission(slots: 1, Bound, initialHashTime: TimeSpan.FromMilliseconds(87.6));

        var admitted = Enumerable.Range(0, 48).Count(i => admission.TryAdmit(out var _));

        Assert.Equal(48, admitted);
    }

    [Fact]
    public void Admission_stops_where_the_expected_wait_passes_the_bound_and_says_when_it_will_not()
    {
        // Two slots, 125 ms a hash, a 1 s bound: the n-th in line waits n / 2 rounds, so 0 to 17 are admitted.
        var admission = new HashAdmission(slots: 2, TimeSpan.FromSeconds(1), initialHashTime: TimeSpan.FromMilliseconds(125));

        var results = Enumerable.Range(0, 20).Select(i => (Admitted: admission.TryAdmit(out var retryAfter), RetryAfter: retryAfter)).ToList();

        Assert.All(results.Take(18), r => Assert.True(r.Admitted));
        Assert.All(results.Skip(18), r => Assert.False(r.Admitted));
        Assert.Equal(TimeSpan.FromMilliseconds(125), results[18].RetryAfter);
        Assert.Equal(18, admission.Admitted);
    }

    [Fact]
    public void A_finished_hash_makes_room_and_its_time_moves_the_estimate()
    {
        var admission = new HashAdmission(slots: 1, TimeSpan.FromSeconds(1), initialHashTime: TimeSpan.FromMilliseconds(100));
        while (admission.TryAdmit(out _))
        {
        }
        var full = admission.Admitted;

        admission.Completed(TimeSpan.FromMilliseconds(600));

        Assert.Equal(full - 1, admission.Admitted);
        Assert.Equal(TimeSpan.FromMilliseconds(200), admission.HashTime);
        // At 200 ms a hash, the 10 still in line already wait 2 s: nothing more is admitted until they drain.
        Assert.False(admission.TryAdmit(out var retryAfter));
        Assert.Equal(TimeSpan.FromSeconds(1), retryAfter);
    }

    [Fact]
    public void A_request_that_leaves_before_hashing_gives_its_place_back_and_changes_no_estimate()
    {
        var admission = new HashAdmission(slots: 1, Bound, initialHashTime: TimeSpan.FromMilliseconds(100));
        Assert.True(admission.TryAdmit(out _));

        admission.Abandoned();

        Assert.Equal(0, admission.Admitted);
        Assert.Equal(TimeSpan.FromMilliseconds(100), admission.HashTime);
    }
}
