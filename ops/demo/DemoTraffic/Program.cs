using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Runtime.InteropServices;
using System.Text.Json;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR.Client;

// Usage: DemoTraffic <service base URL> <admin email> <admin password>
// Drives what a few clients do, forever: reads, sign-ups and sign-ins (some with a wrong password), invalid
// input, unknown routes, five clients connected to the notifications hub and admin notifications pushed to
// them, and every 20 s a burst of sign-ins that queues on password hashing (slow requests,
// and 503s once the hashing queue is full). Stops on Ctrl-C or SIGTERM.
if (args.Length != 3)
{
    Console.Error.WriteLine("usage: DemoTraffic <base URL> <admin email> <admin password>");
    return 2;
}

using var stop = new CancellationTokenSource();
// ops/run stops it with SIGTERM (a script's background job ignores SIGINT); either ends the loop cleanly.
using var onTerm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context => { context.Cancel = true; stop.Cancel(); });
using var onInt = PosixSignalRegistration.Create(PosixSignal.SIGINT, context => { context.Cancel = true; stop.Cancel(); });

using var http = new HttpClient { BaseAddress = new Uri(args[0]), Timeout = TimeSpan.FromSeconds(30) };
var traffic = new DemoClient(http);
string admin;
try
{
    admin = await traffic.SignInAsync(args[1], args[2], stop.Token);
}
catch (OperationCanceledException)
{
    return 0;
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
            await traffic.GetAsync($"/api/users?page=1&pageSize=20", admin, stop.Token),
            await traffic.GetAsync($"/api/nothing-here/{tick}", null, stop.Token),
            await traffic.PostAsync("/api/auth/register", new { email = "not-an-email", password = "short", displayName = "" }, stop.Token),
            await traffic.PostAsync("/api/auth/login", new { email = someone.Email, password = tick % 3 == 0 ? "wrong password" : someone.Password }, stop.Token),
        };
        if (tick % 20 == 10)
        {
            responses.Add(await traffic.PostAsync("/api/admin/notifications",
                new { userId = someone.Id, title = "Demo", body = $"Notification {tick}" }, admin, stop.Token));
        }
        if (tick % 40 == 20)
        {
            responses.AddRange(await Task.WhenAll(Enumerable.Range(0, 48).Select(_ =>
                traffic.PostAsync("/api/auth/login", new { email = someone.Email, password = someone.Password }, stop.Token))));
        }
        foreach (var status in responses)
        {
            statuses[(int)status] = statuses.GetValueOrDefault((int)status) + 1;
        }
        if (tick % 20 == 19)
        {
            Console.WriteLine($"demo traffic: {string.Join(", ", statuses.OrderBy(s => s.Key).Select(s => $"{s.Key} x{s.Value}"))}");
        }
        await Task.Delay(TimeSpan.FromMilliseconds(500), stop.Token);
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

internal sealed record DemoAccount(Guid Id, string Email, string Password, string AccessToken);

internal sealed class DemoClient(HttpClient http)
{
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
