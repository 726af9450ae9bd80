using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Runtime.InteropServices;
using System.Text.Json;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR.Client;

// Usage: DemoTraffic <service base URL> <admin email> <admin password> [--incident errors|logins]
// Drives what a few clients do, forever, in rounds a quarter of a second apart: reads, sign-ups and sign-ins
// (one in four with a wrong password), invalid input, unknown routes, five clients connected to the
// notifications hub and admin notifications pushed to them, emailed-link requests every 100 rounds, and every
// 120 rounds (the first at round 60) one sign-in shed with 503 (two at once, of which ./ops/run's demo settings
// let only one hash), so
// the 5xx panels and queries have data while every alert stays quiet: README, "./ops/run --demo". With
// --incident it adds, every round, the traffic of an incident that sets off chosen alerts (DemoIncident).
// Stops on Ctrl-C or SIGTERM.
if (!DemoOptions.TryParse(args, out var options))
{
    Console.Error.WriteLine($"usage: DemoTraffic <base URL> <admin email> <admin password> [--incident {string.Join('|', DemoIncident.Names)}]");
    return 2;
}

using var stop = new CancellationTokenSource();
// ops/run stops it with SIGTERM (a script's background job ignores SIGINT); either ends the loop cleanly.
using var onTerm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context => { context.Cancel = true; stop.Cancel(); });
using var onInt = PosixSignalRegistration.Create(PosixSignal.SIGINT, context => { context.Cancel = true; stop.Cancel(); });

using var http = new HttpClient { BaseAddress = options.BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
var traffic = new DemoClient(http);
string admin;
try
{
    admin = await traffic.SignInAsync(options.AdminEmail, options.AdminPassword, stop.Token);
}
catch (OperationCanceledException)
{
    return 0;
}
if (options.Incident is { } chosen)
{
    Console.WriteLine($"demo traffic: incident '{chosen.Name}': {chosen.Sets}");
}
var people = new List<DemoAccount>();
var listeners = new List<HubConnection>();
var statuses = new Dictionary<int, int>();
var random = new Random();

for (var tick = 0; !stop.IsCancellationRequested; tick++)
{
    try
    {
        if (tick % 10 == 0 || people.Count == 0)
        {
            people.Add(await traffic.SignUpAsync(stop.Token));
            // The first few demo users keep the app open: a notifications connection each.
            if (listeners.Count < 5)
            {
                listeners.Add(await traffic.ListenAsync(people[^1], stop.Token));
            }
        }
        var someone = people[random.Next(people.Count)];
        var responses = new List<HttpStatusCode>
        {
            await traffic.GetAsync("/api/info", null, stop.Token),
            await traffic.GetAsync("/api/users/me", someone.AccessToken, stop.Token),
            await traffic.GetAsync("/api/users/me", null, stop.Token),
            await traffic.GetAsync($"/api/users?pageSize=20", admin, stop.Token),
            await traffic.GetAsync($"/api/nothing-here/{tick}", null, stop.Token),
            await traffic.PostAsync("/api/auth/register", new { email = "not-an-email", password = "short", displayName = "" }, stop.Token),
            // LoginFailureSpike wants more than 0.5 failed sign-ins a second (a round every ~0.4 s gets near that)
            // and more than half of the attempts failed: a quarter stays far from the second.
            await traffic.PostAsync("/api/auth/login", new { email = someone.Email, password = tick % 4 == 0 ? "wrong password" : someone.Password }, stop.Token),
        };
        if (tick % 20 == 10)
        {
            responses.Add(await traffic.PostAsync("/api/admin/notifications",
                new { userId = someone.Id, title = "Demo", body = $"Notification {tick}" }, admin, stop.Token));
        }
        if (tick % 100 == 50)
        {
            // Emailed links: a reset asked for (its email is a job), and a confirmation and a reset with a stale token,
            // refused. One refused reset in 100 rounds is about 0.025 a second, a quarter of PasswordResetTokenGuessing's 0.1.
            responses.Add(await traffic.PostAsync("/api/auth/forgot-password", new { email = someone.Email }, stop.Token));
            responses.Add(await traffic.PostAsync("/api/auth/confirm-email", new { token = "a-stale-demo-token" }, stop.Token));
            responses.Add(await traffic.PostAsync("/api/auth/reset-password", new { token = "a-stale-demo-token", newPassword = "a new demo passphrase" }, stop.Token));
        }
        if (tick % DemoClient.ShedEvery == DemoClient.FirstShed)
        {
            responses.AddRange(await traffic.ShedOneSignInAsync(someone, stop.Token));
        }
        if (options.Incident is { } incident)
        {
            responses.AddRange(await incident.RoundAsync(traffic, someone, stop.Token));
        }
        foreach (var status in responses)
        {
            statuses[(int)status] = statuses.GetValueOrDefault((int)status) + 1;
        }
        if (tick % 20 == 19)
        {
            Console.WriteLine($"demo traffic: {string.Join(", ", statuses.OrderBy(s => s.Key).Select(s => $"{s.Key} x{s.Value}"))}");
        }
        await Task.Delay(TimeSpan.FromMilliseconds(250), stop.Token);
    }
    catch (OperationCanceledException)
    {
        break;
    }
    catch (HttpRequestException e)
    {
        Console.Error.WriteLine($"demo traffic: {e.Message}");
        await Task.Delay(TimeSpan.FromSeconds(2), CancellationToken.None);
    }
}
foreach (var listener in listeners)
{
    await listener.DisposeAsync();
}
return 0;

internal sealed record DemoOptions(Uri BaseAddress, string AdminEmail, string AdminPassword, DemoIncident? Incident)
{
    public static bool TryParse(string[] args, out DemoOptions options)
    {
        options = null!;
        DemoIncident? incident = null;
        if (args.Length == 5 && args[3] == "--incident")
        {
            incident = DemoIncident.Find(args[4]);
            if (incident is null)
            {
                return false;
            }
        }
        else if (args.Length != 3)
        {
            return false;
        }
        options = new DemoOptions(new Uri(args[0]), args[1], args[2], incident);
        return true;
    }
}

/// <summary>
/// Traffic added to every round that makes an incident an operator can follow from Prometheus's Alerts page
/// to Alertmanager. The times are those of ./ops/run's Prometheus (10 s scrapes, rules evaluated every 30 s).
/// </summary>
internal sealed record DemoIncident(string Name, string Sets, Func<DemoClient, DemoAccount, CancellationToken, Task<IReadOnlyList<HttpStatusCode>>> RoundAsync)
{
    private static readonly DemoIncident[] All =
    [
        // Sixteen sign-ins at once: the demo's hashing lets one hash at a time and sheds the rest with 503,
        // so about two requests in three fail, every one of them fast.
        new("errors", "ErrorBudgetBurn (critical) fires after about 3 minutes, HighErrorRate (critical) after about 6",
            async (traffic, someone, ct) => await traffic.SignInAtOnceAsync(someone, 16, ct)),
        // Four wrong passwords a round: well over 0.5 failed sign-ins a second, and most attempts fail.
        new("logins", "LoginFailureSpike (warning) fires after about 6 minutes",
            async (traffic, someone, ct) =>
            {
                var statuses = new List<HttpStatusCode>();
                for (var i = 0; i < 4; i++)
                {
                    statuses.Add(await traffic.PostAsync("/api/auth/login", new { email = someone.Email, password = $"wrong password {i}" }, ct));
                }
                return statuses;
            }),
    ];

    public static IEnumerable<string> Names => All.Select(i => i.Name);

    public static DemoIncident? Find(string name) => All.SingleOrDefault(i => i.Name == name);
}

internal sealed record DemoAccount(Guid Id, string Email, string Password, string AccessToken);

internal sealed class DemoClient(HttpClient http)
{
    /// <summary>
    /// Rounds between two shed sign-ins. One 503 among the ~870 requests of 120 rounds is 0.12% of requests:
    /// a quarter of the tightest error threshold (ErrorBudgetBurn's ticket at 0.5% over 3 d and 6 h), a ninth of
    /// HighErrorRate's warning (1%), a sixtieth of the paging burn rate (7.2%); every window's ratio stays there.
    /// </summary>
    public const int ShedEvery = 120;

    /// <summary>
    /// The round of the first shed sign-in, half a cycle in, so that the 5xx panels have data within a minute: one
    /// 503 among the ~435 requests made by then is 0.23%, still half the tightest threshold, and the share only falls
    /// from there towards 0.12%.
    /// </summary>
    public const int FirstShed = (ShedEvery / 2) - 1;

    private static readonly string[] Names = ["Ada", "Grace", "Alan", "Barbara", "Edsger", "Frances", "Ken", "Margaret"];

    public async Task<DemoAccount> SignUpAsync(CancellationToken ct)
    {
        var email = $"demo-{Guid.NewGuid():N}@example.com";
        const string password = "demo password 1234";
        var name = Names[Random.Shared.Next(Names.Length)];
        using var registered = await http.PostAsJsonAsync("/api/auth/register", new { email, password, displayName = $"{name} (demo)" }, ct);
        registered.EnsureSuccessStatusCode();
        var id = (await registered.Content.ReadFromJsonAsync<JsonElement>(ct)).GetProperty("id").GetGuid();
        return new DemoAccount(id, email, password, await SignInAsync(email, password, ct));
    }

    public async Task<HubConnection> ListenAsync(DemoAccount account, CancellationToken ct)
    {
        var connection = new HubConnectionBuilder()
            .WithUrl(new Uri(http.BaseAddress!, "/hubs/notifications"), options =>
            {
                options.Transports = HttpTransportType.WebSockets;
                options.AccessTokenProvider = () => Task.FromResult<string?>(account.AccessToken);
            })
            .Build();
        connection.On<JsonElement>("notification", n => Console.WriteLine($"demo traffic: {account.Email} got \"{n.GetProperty("title").GetString()}\""));
        await connection.StartAsync(ct);
        return connection;
    }

    public async Task<string> SignInAsync(string email, string password, CancellationToken ct)
    {
        using var response = await http.PostAsJsonAsync("/api/auth/login", new { email, password }, ct);
        response.EnsureSuccessStatusCode();
        var body = await response.Content.ReadFromJsonAsync<JsonElement>(ct);
        return body.GetProperty("accessToken").GetString()!;
    }

    /// <summary>
    /// Two sign-ins at once, again until one is shed with 503, at most twenty times: with ./ops/run's demo settings
    /// (one hashing slot, no waiting for it) that is one 503 and some fast 200s. Only two whose hashes overlap shed
    /// one, and a hash of the demo's takes a few milliseconds: about one pair in three did on a busy 2-core machine.
    /// </summary>
    public async Task<IReadOnlyList<HttpStatusCode>> ShedOneSignInAsync(DemoAccount account, CancellationToken ct)
    {
        var statuses = new List<HttpStatusCode>();
        for (var attempt = 0; attempt < 20 && !statuses.Contains(HttpStatusCode.ServiceUnavailable); attempt++)
        {
            statuses.AddRange(await SignInAtOnceAsync(account, 2, ct));
        }
        return statuses;
    }

    public async Task<HttpStatusCode[]> SignInAtOnceAsync(DemoAccount account, int count, CancellationToken ct) =>
        await Task.WhenAll(Enumerable.Range(0, count).Select(_ => PostAsync("/api/auth/login", new { email = account.Email, password = account.Password }, ct)));

    public async Task<HttpStatusCode> GetAsync(string path, string? accessToken, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        if (accessToken is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", accessToken);
        }
        using var response = await http.SendAsync(request, ct);
        return response.StatusCode;
    }

    public async Task<HttpStatusCode> PostAsync(string path, object body, CancellationToken ct) =>
        await PostAsync(path, body, null, ct);

    public async Task<HttpStatusCode> PostAsync(string path, object body, string? accessToken, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = JsonContent.Create(body) };
        if (accessToken is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", accessToken);
        }
        using var response = await http.SendAsync(request, ct);
        return response.StatusCode;
    }
}
