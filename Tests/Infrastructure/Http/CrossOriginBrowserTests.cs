using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using MinimalBackend.Features.Notifications;
using MinimalBackend.Features.Users;
using MinimalBackend.Tests.Support;

namespace MinimalBackend.Tests.Infrastructure.Http;

/// <summary>
/// A web app on another origin, in real headless Chromium: a page served by a tiny server on another port calls the
/// API with fetch and connects to the notifications hub with the browser build of @microsoft/signalr (npm, pinned in
/// Tests/Client). The service allows the first page's origin and not the second's: the browser itself refuses the latter.
/// </summary>
[Collection(nameof(CrossOriginBrowserTests))]
public sealed class CrossOriginBrowserTests(CrossOriginBrowserTests.TwoOrigins origins, ChromiumFixture chromium)
    : IClassFixture<CrossOriginBrowserTests.TwoOrigins>, IClassFixture<ChromiumFixture>
{
    [CollectionDefinition(nameof(CrossOriginBrowserTests))]
    public sealed class OwnDatabase : ICollectionFixture<DatabaseFixture>;

    // Register, follow Location, sign in, read the account: each step a cross-origin fetch the way an app would make it.
    private const string FetchFlow = """
        async ({ api, email, password, displayName }) => {
          try {
            const json = { 'Content-Type': 'application/json' };
            const registered = await fetch(api + '/api/auth/register', { method: 'POST', headers: json, body: JSON.stringify({ email, password, displayName }) });
            const location = registered.headers.get('Location');
            const login = await fetch(api + '/api/auth/login', { method: 'POST', headers: json, body: JSON.stringify({ email, password }) });
            const tokens = await login.json();
            const me = await fetch(new URL(location, api), { headers: { Authorization: 'Bearer ' + tokens.accessToken } });
            return { registered: registered.status, location, login: login.status, cacheControl: login.headers.get('Cache-Control'),
                     me: me.status, email: (await me.json()).email, accessToken: tokens.accessToken };
          } catch (e) {
            return { error: e.name + ': ' + e.message };
          }
        }
        """;

    // withCredentials: false, since the service allows no credentials (the SignalR client's default asks for them).
    private const string ConnectToHub = """
        async ({ api, token }) => {
          const connection = new signalR.HubConnectionBuilder()
            .withUrl(api + '/hubs/notifications', { accessTokenFactory: () => token, withCredentials: false, transport: signalR.HttpTransportType.WebSockets })
            .configureLogging(signalR.LogLevel.None)
            .build();
          window.notification = new Promise(resolve => connection.on('notification', resolve));
          try {
            await connection.start();
            window.hub = connection;
            return 'connected';
          } catch (e) {
            return 'refused: ' + e.message;
          }
        }
        """;

    [Fact]
    public async Task A_page_of_an_allowed_origin_calls_the_API_and_receives_a_notification_over_the_hub()
    {
        var page = await OpenAsync(origins.AllowedPage.Origin);
        var fake = FakeUsers.Next();

        var flow = await page.EvaluateAsync<JsonElement>(FetchFlow, Args(fake));

        Assert.False(flow.TryGetProperty("error", out var error), error.ToString());
        Assert.Equal(201, flow.GetProperty("registered").GetInt32());
        Assert.Contains("/api/users/", flow.GetProperty("location").GetString(), StringComparison.Ordinal);
        Assert.Equal(200, flow.GetProperty("login").GetInt32());
        Assert.Equal("no-store", flow.GetProperty("cacheControl").GetString());
        Assert.Equal((200, fake.Email), (flow.GetProperty("me").GetInt32(), flow.GetProperty("email").GetString()));

        var accessToken = flow.GetProperty("accessToken").GetString()!;
        Assert.Equal("connected", await page.EvaluateAsync<string>(ConnectToHub, new { api = origins.Api, token = accessToken }));
        var userId = await origins.UserIdAsync(fake.Email);
        var id = await origins.Host.Services.GetRequiredService<NotificationJobs>()
            .EnqueueAsync(userId, "From across origins", "Pushed to a page on another origin.", null, CancellationToken.None);
        var message = await page.EvaluateAsync<JsonElement>("() => window.notification");
        Assert.Equal((id, "From across origins"), (message.GetProperty("id").GetGuid(), message.GetProperty("title").GetString()));
        await page.EvaluateAsync("() => window.hub.stop()");
    }

    [Fact]
    public async Task A_page_of_another_origin_is_refused_by_the_browser_for_the_API_and_the_hub()
    {
        var page = await OpenAsync(origins.RefusedPage.Origin);
        var console = new List<string>();
        page.Console += (_, message) => console.Add(message.Text);
        var account = await TestAccounts.SignUpAsync(origins.Client);

        var flow = await page.EvaluateAsync<JsonElement>(FetchFlow, Args(FakeUsers.Next()));
        var hub = await page.EvaluateAsync<string>(ConnectToHub, new { api = origins.Api, token = account.AccessToken });
        var simpleGet = await page.EvaluateAsync<string>(
            "async api => { try { return String((await fetch(api + '/api/info')).status); } catch (e) { return e.name; } }", origins.Api);

        Assert.Equal("TypeError: Failed to fetch", flow.GetProperty("error").GetString());
        Assert.StartsWith("refused: ", hub, StringComparison.Ordinal);
        Assert.Equal("TypeError", simpleGet);
        Assert.Contains(console, text => text.Contains("has been blocked by CORS policy", StringComparison.Ordinal));
    }

    private object Args(FakeUser fake) => new { api = origins.Api, email = fake.Email, password = fake.Password, displayName = fake.DisplayName };

    private async Task<IPage> OpenAsync(string origin)
    {
        var context = await chromium.Browser.NewContextAsync();
        var page = await context.NewPageAsync();
        await page.GotoAsync(origin + "/");
        Assert.True(await page.EvaluateAsync<bool>("() => typeof signalR === 'object'"), "The page did not load the SignalR browser client.");
        return page;
    }

    /// <summary>Two page origins on ports of their own, and the service allowing only the first.</summary>
    public sealed class TwoOrigins(DatabaseFixture database) : IAsyncLifetime
    {
        private ServiceHost? _host;

        public StaticPageServer AllowedPage { get; private set; } = null!;

        public StaticPageServer RefusedPage { get; private set; } = null!;

        public ServiceHost Host => _host ?? throw new InvalidOperationException("The service host is not started.");

        public HttpClient Client { get; private set; } = null!;

        /// <summary>The service's origin, as the page's script calls it.</summary>
        public string Api => Host.BaseAddress.GetLeftPart(UriPartial.Authority);

        public Task InitializeAsync()
        {
            var signalr = Path.Combine(RepositoryRoot.Path, "Tests", "Client", "node_modules", "@microsoft", "signalr", "dist", "browser", "signalr.min.js");
            if (!File.Exists(signalr))
            {
                throw new InvalidOperationException($"{signalr} is missing: run `npm ci` in Tests/Client (./ops/test does).");
            }
            var files = new Dictionary<string, (string, byte[])>
            {
                ["/"] = StaticPageServer.Html("""<!doctype html><meta charset="utf-8"><title>A web app on another origin</title><script src="/signalr.min.js"></script>"""),
                ["/signalr.min.js"] = StaticPageServer.JavaScriptFile(signalr),
            };
            AllowedPage = new StaticPageServer(files);
            RefusedPage = new StaticPageServer(files);
            _host = new ServiceHost(database.ConnectionString, new Dictionary<string, string?> { ["Cors:AllowedOrigins:0"] = AllowedPage.Origin });
            Client = _host.CreateSocketClient();
            return Task.CompletedTask;
        }

        public async Task<Guid> UserIdAsync(string email) =>
            (await UserTable.FindAsync(database.ConnectionString, email))?.Id ?? throw new InvalidOperationException($"No user {email}.");

        public async Task DisposeAsync()
        {
            Client.Dispose();
            if (_host is not null)
            {
                await _host.DisposeAsync();
            }
            await AllowedPage.DisposeAsync();
            await RefusedPage.DisposeAsync();
        }
    }
}
