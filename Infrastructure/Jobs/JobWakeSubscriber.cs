using MinimalBackend.Infrastructure.Database;

namespace MinimalBackend.Infrastructure.Jobs;

/// <summary>
/// Wakes a queue's worker the moment a job for it is committed: every enqueue transaction NOTIFYs the queue's
/// name on <see cref="JobTable.Channel"/>, which PostgreSQL delivers on commit to the instance's one LISTEN
/// connection (<see cref="PostgresChannels"/>). Notifications sent while that connection was down are lost,
/// so when it is back every queue is woken once; the Coravel poll covers the gap.
/// </summary>
internal sealed class JobWakeSubscriber(JobDispatcher dispatcher) : IChannelSubscriber
{
    public string Channel => JobTable.Channel;

    public void Received(string payload) => dispatcher.Wake(payload);

    public Task ResumedAsync(DateTime lastAlive, CancellationToken cancellationToken)
    {
        dispatcher.WakeAll();
        return Task.CompletedTask;
    }
}
