using Bogus;
using Dapper;
using Microsoft.Extensions.DependencyInjection;
using MimeKit;
using MinimalBackend.Features.Email;
using MinimalBackend.Tests.Support;
using Npgsql;

namespace MinimalBackend.Tests.Features.Email;

[Collection(nameof(SendWelcomeEmailTests))]
public sealed class SendWelcomeEmailTests(SmtpServiceFixture service, DatabaseFixture database)
    : IClassFixture<SmtpServiceFixture>
{
    [CollectionDefinition(nameof(SendWelcomeEmailTests))]
    public sealed class OwnDatabase : ICollectionFixture<DatabaseFixture>;

    private static readonly Faker Faker = new();

    [Fact]
    public async Task A_welcome_email_enqueued_with_its_user_arrives_at_the_SMTP_server_once_the_transaction_commits()
    {
        var welcome = NewWelcome();

        var jobId = await RegisterAsync(welcome, commit: true);

        var message = await service.Smtp.WaitForMessageToAsync(welcome.Email);
        var to = Assert.Single(message.To.Mailboxes);
        Assert.Equal((welcome.DisplayName, welcome.Email), (to.Name, to.Address));
        Assert.Equal("no-reply@minimal-backend.local", Assert.Single(message.From.Mailboxes).Address);
        Assert.Equal($"Welcome to MinimalBackend, {welcome.DisplayName}", message.Subject);
        Assert.Equal($"welcome.{welcome.UserId:N}@minimal-backend.local", message.MessageId);
        var alternative = Assert.IsType<MultipartAlternative>(message.Body);
        Assert.Equal(["text/plain", "text/html"], alternative.Select(part => part.ContentType.MimeType));
        Assert.Contains($"Hi {welcome.DisplayName},", message.TextBody, StringComparison.Ordinal);
        Assert.Contains(welcome.Email, message.TextBody, StringComparison.Ordinal);
        Assert.Contains($"<strong>{welcome.Email}</strong>", message.HtmlBody, StringComparison.Ordinal);
        var job = (await JobRows.WaitUntilFinishedAsync(database.ConnectionString, [jobId])).Single();
        Assert.Equal(("email", "send_welcome_email", "completed", 1), (job.Queue, job.Type, job.State, job.Attempts));
    }

    [Fact]
    public async Task A_rolled_back_registration_leaves_no_user_no_job_and_no_email()
    {
        var rolledBack = NewWelcome();
        var committed = NewWelcome();
        var counters = await QueueCounters.StartAsync(service.Host, EmailModule.Queue);

        var rolledBackJob = await RegisterAsync(rolledBack, commit: false);
        await RegisterAsync(committed, commit: true);

        await service.Smtp.WaitForMessageToAsync(committed.Email);
        Assert.Empty(await JobRows.ReadAsync(database.ConnectionString, [rolledBackJob]));
        await using var connection = new NpgsqlConnection(database.ConnectionString);
        Assert.Equal(0, await connection.ExecuteScalarAsync<int>(
            "SELECT count(*) FROM jobs WHERE payload->>'userId' = @Id", new { Id = rolledBack.UserId.ToString() }));
        Assert.Equal(0, await connection.ExecuteScalarAsync<int>("SELECT count(*) FROM users WHERE id = @UserId", rolledBack));
        Assert.Empty(service.Smtp.MessagesTo(rolledBack.Email));
        // Only enqueues are this test's alone: this host may also finish email jobs other tests left in the shared database.
        var enqueued = await counters.DeltaWhenReachedAsync(new QueueCounts(Enqueued: 1, 0, 0, 0, 0, 0, 0));
        Assert.Equal(1, enqueued.Enqueued);
    }

    [Fact]
    public void The_HTML_part_encodes_the_display_name_and_the_text_part_keeps_it_as_typed()
    {
        var welcome = NewWelcome() with { DisplayName = "<script>alert('hi')</script> & Co" };

        var email = WelcomeEmailTemplate.Render(welcome);

        Assert.DoesNotContain("<script>", email.HtmlBody, StringComparison.Ordinal);
        Assert.Contains("Hi &lt;script&gt;alert(&#39;hi&#39;)&lt;/script&gt; &amp; Co,", email.HtmlBody, StringComparison.Ordinal);
        Assert.Contains("Hi <script>alert('hi')</script> & Co,", email.TextBody, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Without_an_SMTP_host_the_welcome_email_is_written_as_an_eml_file()
    {
        // A database of its own, so this class's SMTP host cannot take the job instead.
        await using var scope = await IsolatedDatabase.CreateAsync(database);
        var folder = Directory.CreateTempSubdirectory("minimal-backend-mail-").FullName;
        try
        {
            await using var host = scope.Host(new Dictionary<string, string?> { ["Email:PickupDirectory"] = folder });
            host.StartServer();
            var welcome = NewWelcome();

            await RegisterAsync(host, scope.ConnectionString, welcome, commit: true);

            var file = await Eventually.UntilAsync(() => Task.FromResult(Directory.GetFiles(folder, "*.eml")), files => files.Length > 0, "an .eml file");
            Assert.Equal($"welcome.{welcome.UserId:N}@minimal-backend.local.eml", Path.GetFileName(Assert.Single(file)));
            using var message = await MimeMessage.LoadAsync(file[0]);
            Assert.Equal(welcome.Email, Assert.Single(message.To.Mailboxes).Address);
            Assert.Contains($"Hi {welcome.DisplayName},", message.TextBody, StringComparison.Ordinal);
            Assert.NotNull(message.HtmlBody);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private static WelcomeEmail NewWelcome() =>
        new(Guid.NewGuid(), Faker.Internet.Email(uniqueSuffix: Guid.NewGuid().ToString("N")[..8]), Faker.Name.FullName());

    private Task<long> RegisterAsync(WelcomeEmail welcome, bool commit) => RegisterAsync(service.Host, database.ConnectionString, welcome, commit);

    /// <summary>What registration does: the user row and its welcome email in one transaction, then commit or roll back.</summary>
    private static async Task<long> RegisterAsync(ServiceHost host, string connectionString, WelcomeEmail welcome, bool commit)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        await connection.ExecuteAsync(
            "INSERT INTO users (id, email, password_hash, display_name) VALUES (@UserId, @Email, 'not-a-real-hash', @DisplayName)", welcome, transaction);
        var jobId = await host.Services.GetRequiredService<EmailJobs>().EnqueueWelcomeAsync(connection, transaction, welcome, CancellationToken.None);
        if (commit)
        {
            await transaction.CommitAsync();
        }
        else
        {
            await transaction.RollbackAsync();
        }
        return jobId;
    }

}
