using Dapper;
using Microsoft.Playwright;
using MinimalBackend.Tests.Support;
using Npgsql;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace MinimalBackend.Tests.Features.Admin.Queues;

// The dashboard page in real headless Chromium over a real Kestrel socket. Each test runs a host of its own on a
// database of its own, so the counts on the page are exactly the rows the test wrote.
[RunsLong]
[Collection(nameof(QueueDashboardBrowserTests))]
public sealed class QueueDashboardBrowserTests(DatabaseFixture database, ChromiumFixture chromium, ITestOutputHelper output)
    : IClassFixture<ChromiumFixture>
{
    [CollectionDefinition(nameof(QueueDashboardBrowserTests))]
    public sealed class OwnDatabase : ICollectionFixture<DatabaseFixture>;

    private static readonly string[] States = ["waiting", "active", "completed", "failed", "dead"];

    // The page refreshes every 5 s; a machine shared with other builds can take a few ticks.
    private static readonly LocatorAssertionsToHaveTextOptions Patiently = new() { Timeout = 30_000 };

    static QueueDashboardBrowserTests() => SetDefaultExpectTimeout(30_000);

    [Fact]
    public async Task An_admin_signs_in_sees_the_counts_of_the_database_and_retries_a_dead_job_until_it_completes()
    {
        await using var dashboard = await OpenAsync(asAdmin: true, width: 1280, height: 1000);
        var (page, connectionString, jobs) = (dashboard.Page, dashboard.ConnectionString, dashboard.Jobs);

        await Expect(page.Locator("#connection")).ToContainTextAsync("Live");
        await ExpectCountsOfTheDatabaseAsync(page, connectionString);
        Assert.Empty(await page.Context.CookiesAsync());
        Assert.Equal("{}{}", await page.EvaluateAsync<string>("JSON.stringify(localStorage) + JSON.stringify(sessionStorage)"));
        await page.EvaluateAsync("window.sameDocument = true");

        // Written behind the page's back: the next refresh shows it, with no reload.
        await JobRows.InsertAsync(connectionString, new NewJobRow(TestJob.Queue, TestJob.Type, "completed"));
        await ExpectCountsOfTheDatabaseAsync(page, connectionString);

        await page.Locator($"[data-queue='{TestJob.Queue}'] button[data-state='dead']").ClickAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = $"Show job {jobs.Retryable}", Exact = true }).ClickAsync();
        await Expect(page.Locator("#job-title")).ToHaveTextAsync($"Job {jobs.Retryable} (dead)");
        await Expect(page.Locator("#job-error")).ToHaveTextAsync(RetryableError);
        await Expect(page.Locator("#job-payload")).ToContainTextAsync("\"apiKey\": \"***\"");
        await Expect(page.Locator("#job-payload")).Not.ToContainTextAsync(SecretInPayload);

        await page.GetByRole(AriaRole.Button, new() { Name = "Retry this job" }).ClickAsync();

        await Expect(page.Locator("#job-title")).ToHaveTextAsync($"Job {jobs.Retryable} (completed)", Patiently);
        var retried = await JobRows.ReadAsync(connectionString, jobs.Retryable);
        Assert.Equal(("completed", 1), (retried.State, retried.Attempts));
        await ExpectCountsOfTheDatabaseAsync(page, connectionString);
        Assert.True(await page.EvaluateAsync<bool>("window.sameDocument === true"), "The page was reloaded.");
        await KeepScreenshotAsync(page, "queue-dashboard.png");
    }

    [Fact]
    public async Task A_signed_in_user_who_is_not_an_admin_is_told_so_and_sees_no_job_data()
    {
        var adminApiStatuses = new List<int>();

        await using var dashboard = await OpenAsync(asAdmin: false, width: 1280, height: 800, page => page.Response += (_, response) =>
        {
            if (response.Url.Contains("/api/admin/", StringComparison.Ordinal))
            {
                adminApiStatuses.Add(response.Status);
            }
        });
        var page = dashboard.Page;

        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Not allowed" })).ToBeVisibleAsync();
        await Expect(page.Locator("#dashboard")).ToBeHiddenAsync();
        Assert.Equal(0, await page.Locator("#queues > *").CountAsync());
        var text = await page.Locator("body").InnerTextAsync();
        Assert.DoesNotContain(TestJob.Type, text, StringComparison.Ordinal);
        Assert.DoesNotContain("type_of_a_newer_version", text, StringComparison.Ordinal);
        Assert.DoesNotContain("SMTP relay", text, StringComparison.Ordinal);
        Assert.NotEmpty(adminApiStatuses);
        Assert.All(adminApiStatuses, status => Assert.Equal(403, status));
        await KeepScreenshotAsync(page, "queue-dashboard-not-allowed.png");
    }

    [Fact]
    public async Task When_the_service_cannot_be_reached_the_page_says_so_keeps_the_last_data_and_recovers_without_a_reload()
    {
        await using var dashboard = await OpenAsync(asAdmin: true, width: 1280, height: 800);
        var page = dashboard.Page;
        await Expect(page.Locator("#connection")).ToContainTextAsync("Live");
        await page.EvaluateAsync("window.sameDocument = true");

        // As if the network or the service were down: every API request fails before reaching it.
        await page.RouteAsync("**/api/**", route => route.AbortAsync());

        await Expect(page.Locator("#connection")).ToContainTextAsync("Cannot reach the service");
        await Expect(page.Locator("#connection")).ToHaveClassAsync(new System.Text.RegularExpressions.Regex("offline"));
        await Expect(page.Locator($"[data-queue='{TestJob.Queue}'] button[data-state='dead'] .count")).ToHaveTextAsync("2");
        await KeepScreenshotAsync(page, "queue-dashboard-unreachable.png");

        await page.UnrouteAllAsync();

        await Expect(page.Locator("#connection")).ToContainTextAsync("Live");
        await Expect(page.Locator("#connection")).Not.ToHaveClassAsync(new System.Text.RegularExpressions.Regex("offline"));
        Assert.True(await page.EvaluateAsync<bool>("window.sameDocument === true"), "The page was reloaded.");
    }

    [Fact]
    public async Task At_phone_width_nothing_overflows_every_control_is_labelled_and_the_keyboard_opens_and_closes_a_job()
    {
        await using var dashboard = await OpenAsync(asAdmin: true, width: 390, height: 844);
        var (page, jobs) = (dashboard.Page, dashboard.Jobs);
        await Expect(page.Locator("#connection")).ToContainTextAsync("Live");

        await page.Locator($"[data-queue='{TestJob.Queue}'] button[data-state='dead']").FocusAsync();
        await page.Keyboard.PressAsync("Enter");
        var open = page.Locator($"button[data-job-id='{jobs.Retryable}']");
        await open.FocusAsync();
        await page.Keyboard.PressAsync("Enter");
        await Expect(page.Locator("#job-title")).ToBeFocusedAsync();
        await Expect(page.Locator("#job-title")).ToHaveTextAsync($"Job {jobs.Retryable} (dead)");

        Assert.True(await page.EvaluateAsync<bool>("document.documentElement.scrollWidth <= window.innerWidth"),
            "The page is wider than a phone's screen.");
        var unlabelled = await page.EvaluateAsync<string[]>(
            """
            [...document.querySelectorAll('input, select')].filter(e => e.labels.length === 0).map(e => e.id)
              .concat([...document.querySelectorAll('button')].filter(b => b.textContent.trim() === '').map(b => b.outerHTML))
            """);
        Assert.Empty(unlabelled);
        await KeepScreenshotAsync(page, "queue-dashboard-phone.png");

        await page.Keyboard.PressAsync("Escape");

        await Expect(page.Locator("#job")).ToBeHiddenAsync();
        await Expect(open).ToBeFocusedAsync();
    }

    private const string SecretInPayload = "sk-live-do-not-show";
    private const string RetryableError = "System.InvalidOperationException: The SMTP relay refused the connection.";

    private sealed record SeededJobs(long Retryable);

    /// <summary>
    /// Jobs that stay as they are while the host runs, so the page can be compared with the table at any moment:
    /// waiting jobs of a type no instance knows, an active job leased by another instance, a failed job due in an
    /// hour, completed and dead jobs. The one dead job meant for a retry now succeeds (its payload plans no failure).
    /// </summary>
    private static async Task<SeededJobs> SeedAsync(string connectionString)
    {
        var ids = await JobRows.InsertAsync(connectionString,
            new NewJobRow(TestJob.Queue, TestJob.Type, "dead", Attempts: 3, LastError: RetryableError,
                Payload: $$"""{"run": "browser", "index": 1, "apiKey": "{{SecretInPayload}}"}"""),
            new NewJobRow(TestJob.Queue, TestJob.Type, "dead", Attempts: 3, LastError: "System.TimeoutException: The operation has timed out."),
            new NewJobRow(TestJob.Queue, "type_of_a_newer_version", "waiting", CreatedAgo: TimeSpan.FromMinutes(3)),
            new NewJobRow(TestJob.Queue, "type_of_a_newer_version", "waiting"),
            new NewJobRow(TestJob.Queue, TestJob.Type, "active", Attempts: 1),
            new NewJobRow(TestJob.Queue, TestJob.Type, "failed", Attempts: 1, LastError: "System.IO.IOException: Broken pipe", RunIn: TimeSpan.FromHours(1),
                FailedAgo: TimeSpan.FromMinutes(1)),
            new NewJobRow(TestJob.Queue, TestJob.Type, "completed", Attempts: 1, FinishedAgo: TimeSpan.FromMinutes(1)),
            new NewJobRow(TestJob.Queue, TestJob.Type, "completed", Attempts: 1, FinishedAgo: TimeSpan.FromHours(2)),
            new NewJobRow("email", "send_welcome_email", "dead", Attempts: 10, MaxAttempts: 10, LastError: "MailKit.Net.Smtp.SmtpCommandException: Mailbox unavailable"));
        return new SeededJobs(ids[0]);
    }

    /// <summary>
    /// A host running jobs on a database of the test's own, seeded (<see cref="SeedAsync"/>), and the page in a fresh
    /// browser context at this size, signed in with the keyboard as a new admin or a new user.
    /// </summary>
    private async Task<DashboardPage> OpenAsync(bool asAdmin, int width, int height, Action<IPage>? watch = null)
    {
        var scope = await IsolatedDatabase.CreateAsync(database);
        var host = scope.Host(new JobRunLog());
        using var client = host.CreateSocketClient();
        var account = asAdmin ? await TestAccounts.SignUpAdminAsync(client, scope.ConnectionString) : await TestAccounts.SignUpAsync(client);
        var jobs = await SeedAsync(scope.ConnectionString);
        var context = await chromium.Browser.NewContextAsync(new()
        {
            BaseURL = host.BaseAddress.ToString(),
            ViewportSize = new() { Width = width, Height = height },
        });
        var page = await context.NewPageAsync();
        watch?.Invoke(page);
        await SignInWithTheKeyboardAsync(page, account);
        return new DashboardPage(scope, host, context, page, jobs);
    }

    private sealed record DashboardPage(IsolatedDatabase Scope, ServiceHost Host, IBrowserContext Context, IPage Page, SeededJobs Jobs) : IAsyncDisposable
    {
        public string ConnectionString => Scope.ConnectionString;

        public async ValueTask DisposeAsync()
        {
            await Context.DisposeAsync();
            await Host.DisposeAsync();
            await Scope.DisposeAsync();
        }
    }

    /// <summary>The page focuses the email field; Tab reaches the password, Enter submits.</summary>
    private static async Task SignInWithTheKeyboardAsync(IPage page, TestAccount account)
    {
        await page.GotoAsync("/admin/queues");
        await Expect(page.GetByLabel("Email")).ToBeFocusedAsync();
        await page.Keyboard.TypeAsync(account.Email);
        await page.Keyboard.PressAsync("Tab");
        await page.Keyboard.TypeAsync(account.Password);
        await page.Keyboard.PressAsync("Enter");
    }

    /// <summary>Every count of every queue on the page equals the table's (waiting for the next refresh when they differ).</summary>
    private static async Task ExpectCountsOfTheDatabaseAsync(IPage page, string connectionString)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        var counts = (await connection.QueryAsync<(string Queue, string State, long Jobs)>("SELECT queue, state, count(*) FROM jobs GROUP BY queue, state"))
            .ToDictionary(c => (c.Queue, c.State), c => c.Jobs);
        foreach (var queue in new[] { "email", "notification", TestJob.Queue })
        {
            foreach (var state in States)
            {
                await Expect(page.Locator($"[data-queue='{queue}'] button[data-state='{state}'] .count"))
                    .ToHaveTextAsync(counts.GetValueOrDefault((queue, state)).ToString(System.Globalization.CultureInfo.InvariantCulture), Patiently);
            }
        }
    }

    private async Task KeepScreenshotAsync(IPage page, string fileName)
    {
        var path = TestArtifacts.PathFor(fileName);
        await page.ScreenshotAsync(new() { Path = path, FullPage = true });
        // The test output shows in IDEs and for failures; the console line shows in ./ops/test's log for every run.
        output.WriteLine($"Screenshot: {path}");
        Console.WriteLine($"Screenshot: {path}");
    }
}
