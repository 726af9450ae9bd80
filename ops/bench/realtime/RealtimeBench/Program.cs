using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text.Json;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.Options;
using MinimalBackend.Infrastructure.Security;

// The real-time benchmark's load client, against a running service (its URL, its signing key, its administrator):
//   1. connects one SignalR client (WebSocket, token in the query string like a browser) for each of <clients>
//      users, reading the server's working set and managed heap from /metrics before and after;
//   2. asks for <rounds> notifications to all users (POST /api/admin/notifications, allUsers) after a warm-up
//      one, and times each from the moment the request is sent to the moment each client receives it, on this
//      process's clock;
//   3. closes every client and waits for the gauge to return.
// The users' tokens are minted with the service's own AccessTokenIssuer and signing key: signing in thousands of users
// would cost a password hash each (about 25 ms of a core and 19 MiB) and measure hashing, not WebSockets. Only the
// administrator signs in (ADMIN_EMAIL, ADMIN_PASSWORD), to list the users.
// Output: key=value lines for ops/bench/realtime/run.
var url = new Uri(Environment.GetEnvironmentVariable("SERVICE_URL") ?? "http://127.0.0.1:3921");
var clients = int.Parse(args.Length > 0 ? args[0] : "2000", CultureInfo.InvariantCulture);
var rounds = int.Parse(args.Length > 1 ? args[1] : "3", CultureInfo.InvariantCulture);
var issuer = new AccessTokenIssuer(Options.Create(new JwtOptions
{
    SigningKey = Required("Jwt__SigningKey"),
}), TimeProvider.System);
using var http = new HttpClient { BaseAddress = url, Timeout = TimeSpan.FromMinutes(2) };

// Who the clients are, through the administrators' API as an operator's tool would ask (Users owns the users table).
var directory = await UserList.ReadAsync(http, Required("ADMIN_EMAIL"), Required("ADMIN_PASSWORD"), clients);
var users = directory.Users;
var totalUsers = directory.Total;
if (users.Count < clients)
{
    throw new InvalidOperationException($"The service has {users.Count} users; seed at least {clients}.");
}

var before = await Metrics.ScrapeAsync(http);
var arrivals = new ConcurrentDictionary<string, ConcurrentBag<long>>(StringComparer.Ordinal);
var connections = new HubConnection[clients];
var connecting = Stopwatch.StartNew();
using (var slots = new SemaphoreSlim(64))
{
    await Task.WhenAll(users.Select(async (user, i) =>
    {
        await slots.WaitAsync();
        try
        {
            connections[i] = await ConnectAsync(url, issuer.Issue(user, "user"), arrivals);
        }
        finally
        {
            slots.Release();
        }
    }));
}
var connectSeconds = connecting.Elapsed.TotalSeconds;
var gauge = await Metrics.WaitForGaugeAsync(http, before.Gauge + clients);
// Let the allocations of connecting settle, then read the server again.
await Task.Delay(TimeSpan.FromSeconds(3));
var after = await Metrics.ScrapeAsync(http);
Console.WriteLine(
    FormattableString.Invariant($"connected clients={clients} seconds={connectSeconds:0.0} gauge={gauge} working_set_mb={after.WorkingSet / 1048576:0} ") +
    FormattableString.Invariant($"working_set_kb_per_connection={(after.WorkingSet - before.WorkingSet) / clients / 1024:0.0} ") +
    FormattableString.Invariant($"managed_kb_per_connection={(after.Managed - before.Managed) / clients / 1024:0.0}"));

http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", issuer.Issue(directory.Admin, "admin"));
for (var round = 0; round <= rounds; round++)
{
    var title = $"Benchmark round {round} {Guid.NewGuid():N}";
    var received = arrivals.GetOrAdd(title, _ => []);
    var sent = Stopwatch.GetTimestamp();
    var response = await http.PostAsJsonAsync("/api/admin/notifications", new { allUsers = true, title, body = "Delivery latency measurement." });
    response.EnsureSuccessStatusCode();
    var waited = Stopwatch.StartNew();
    while (received.Count < clients && waited.Elapsed < TimeSpan.FromSeconds(120))
    {
        await Task.Delay(20);
    }
    var latencies = received.Select(t => Stopwatch.GetElapsedTime(sent, t).TotalMilliseconds).Order().ToArray();
    if (round == 0)
    {
        continue;
    }
    Console.WriteLine(
        FormattableString.Invariant($"round n={round} users={totalUsers} received={latencies.Length} missing={clients - latencies.Length} ") +
        FormattableString.Invariant($"p50_ms={Percentile(latencies, 0.50):0.0} p99_ms={Percentile(latencies, 0.99):0.0} max_ms={latencies.LastOrDefault():0.0}"));
}

await Task.WhenAll(connections.Select(c => c.DisposeAsync().AsTask()));
Console.WriteLine(FormattableString.Invariant($"closed gauge={await Metrics.WaitForGaugeAsync(http, before.Gauge)}"));

static async Task<HubConnection> ConnectAsync(Uri url, string token, ConcurrentDictionary<string, ConcurrentBag<long>> arrivals)
{
    var connection = new HubConnectionBuilder()
        .WithUrl(new Uri(url, $"/hubs/notifications?access_token={Uri.EscapeDataString(token)}"), options =>
        {
            options.Transports = HttpTransportType.WebSockets;
            options.SkipNegotiation = true;
        })
        .Build();
    connection.On<JsonElement>("notification", message =>
    {
        var at = Stopwatch.GetTimestamp();
        arrivals.GetOrAdd(message.GetProperty("title").GetString()!, _ => []).Add(at);
    });
    await connection.StartAsync();
    return connection;
}

static string Required(string variable) =>
    Environment.GetEnvironmentVariable(variable) ?? throw new InvalidOperationException($"{variable} is not set.");

static double Percentile(double[] sorted, double p) =>
    sorted.Length == 0 ? double.NaN : sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Length) - 1, 0, sorted.Length - 1)];

internal sealed record ServerSample(double Gauge, double WorkingSet, double Managed);

internal static class Metrics
{
    public static async Task<ServerSample> ScrapeAsync(HttpClient http)
    {
        var lines = (await http.GetStringAsync("/metrics")).Split('\n');
        double Read(string prefix) => lines.Where(l => l.StartsWith(prefix, StringComparison.Ordinal))
            .Select(l => double.Parse(l[(l.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture)).FirstOrDefault();
        return new ServerSample(Read("websocket_connections_total{gateway=\"notifications\"}"), Read("process_working_set_bytes "), Read("dotnet_total_memory_bytes "));
    }

    public static async Task<double> WaitForGaugeAsync(HttpClient http, double expected)
    {
        var waited = Stopwatch.StartNew();
        double gauge;
        while ((gauge = (await ScrapeAsync(http)).Gauge) != expected && waited.Elapsed < TimeSpan.FromSeconds(60))
        {
            await Task.Delay(100);
        }
        return gauge;
    }
}

/// <summary>The first <c>clients</c> users of role user, an administrator's id, and how many users there are in all.</summary>
internal sealed record UserList(IReadOnlyList<Guid> Users, Guid Admin, long Total)
{
    public static async Task<UserList> ReadAsync(HttpClient http, string adminEmail, string adminPassword, int clients)
    {
        var login = await http.PostAsJsonAsync("/api/auth/login", new { email = adminEmail, password = adminPassword });
        login.EnsureSuccessStatusCode();
        var token = (await login.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("accessToken").GetString();
        var users = new List<Guid>();
        Guid? admin = null;
        long total = 0;
        string? cursor = null;
        do
        {
            using var page = new HttpRequestMessage(HttpMethod.Get, $"/api/users?pageSize=100{(cursor is null ? "" : $"&cursor={cursor}")}");
            page.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
            using var response = await http.SendAsync(page);
            response.EnsureSuccessStatusCode();
            var body = await response.Content.ReadFromJsonAsync<JsonElement>();
            total = body.GetProperty("totalCount").GetInt64();
            foreach (var user in body.GetProperty("items").EnumerateArray())
            {
                var id = user.GetProperty("id").GetGuid();
                switch (user.GetProperty("role").GetString())
                {
                    case "admin":
                        admin ??= id;
                        break;
                    case "user" when users.Count < clients:
                        users.Add(id);
                        break;
                }
            }
            cursor = body.TryGetProperty("nextCursor", out var next) && next.ValueKind == JsonValueKind.String ? next.GetString() : null;
        }
        while (cursor is not null && (users.Count < clients || admin is null));
        return new UserList(users, admin ?? throw new InvalidOperationException("The service has no administrator."), total);
    }
}
