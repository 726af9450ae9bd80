using System.Net;
using MinimalBackend.Tests.Support;
using Snapshooter.Xunit;

namespace MinimalBackend.Tests.Features.Admin.Queues;

// On the shared service: a dead job stays dead there (no worker retries it), and each test reads only the job it wrote.
[Collection(nameof(GetJobTests))]
public sealed class GetJobTests(ServiceFixture service) : IClassFixture<ServiceFixture>
{
    [CollectionDefinition(nameof(GetJobTests))]
    public sealed class OwnDatabase : ICollectionFixture<DatabaseFixture>;

    private readonly HttpClient _client = service.Client;

    [Fact]
    public async Task A_job_body_has_the_contract_shape_with_its_secrets_masked()
    {
        var admin = await TestAccounts.SignUpAdminAsync(_client, service.ConnectionString);
        var id = (await JobRows.InsertAsync(service.ConnectionString, new NewJobRow(
            "email", "send_welcome_email", "dead", Attempts: 10, MaxAttempts: 10, FailedAgo: TimeSpan.FromMinutes(1),
            Payload: """
                {"userId": "7d1f8a4e-3f59-4a1e-9a57-2f0cbb3d7c11", "email": "ada@example.com", "password": "hunter2",
                 "smtp": {"apiKey": "sk-live-1", "host": "smtp.example.com", "retries": 3},
                 "headers": [{"name": "X-Trace", "value": "abc"}, {"Authorization": "Basic YWRhOmh1bnRlcjI="}],
                 "note": "Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl", "monkey": "not a secret"}
                """,
            LastError: "MailKit.Security.AuthenticationException: 535 rejected for user=app password=hunter2 at smtp.example.com")))[0];

        var response = await _client.GetAsync($"/api/admin/queues/email/jobs/{id}", admin.AccessToken);

        Snapshot.Match(await ResponseSnapshot.OfAsync(response, "id", "createdAt", "runAt", "startedAt", "finishedAt", "lastFailedAt"));
    }

    [Fact]
    public async Task A_job_asked_for_under_another_queue_is_404_problem_details()
    {
        var admin = await TestAccounts.SignUpAdminAsync(_client, service.ConnectionString);
        var id = (await JobRows.InsertAsync(service.ConnectionString, new NewJobRow("email", "send_welcome_email", "dead")))[0];

        var response = await _client.GetAsync($"/api/admin/queues/notification/jobs/{id}", admin.AccessToken);

        await ProblemResponses.AssertProblemAsync(response, HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task An_unknown_job_body_has_the_contract_shape()
    {
        var admin = await TestAccounts.SignUpAdminAsync(_client, service.ConnectionString);

        var response = await _client.GetAsync($"/api/admin/queues/email/jobs/{long.MaxValue}", admin.AccessToken);

        Snapshot.Match(await ResponseSnapshot.OfAsync(response, "traceId"));
    }

    [Theory]
    [InlineData("abc")]
    [InlineData("1.5")]
    [InlineData("99999999999999999999")]
    public async Task A_job_id_that_is_not_a_64_bit_integer_is_400_problem_details_naming_it(string id)
    {
        var admin = await TestAccounts.SignUpAdminAsync(_client, service.ConnectionString);

        var response = await _client.GetAsync($"/api/admin/queues/email/jobs/{id}", admin.AccessToken);

        var problem = await ProblemResponses.AssertProblemAsync(response, HttpStatusCode.BadRequest);
        Assert.Equal(["id"], problem.GetProperty("errors").EnumerateObject().Select(p => p.Name));
    }
}
