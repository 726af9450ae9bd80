using System.Text;
using System.Text.Json;
using CsCheck;
using Dapper;
using MinimalBackend.Tests.Support;
using Npgsql;

namespace MinimalBackend.Tests.Features;

/// <summary>
/// Property-based fuzzing of every operation in the live OpenAPI document: generated and mutated bodies, path and
/// query parameters, headers, content types and charsets, with no token, a user's, an administrator's or a forged
/// one. Invariants for every request: no 5xx other than 503, every 4xx is problem details, a request that is not
/// 2xx writes no row (row counts of every table compared, on a database of the test's own with jobs not running),
/// and no metric label value appears that is not from its closed set. The requests are drawn from a pinned seed
/// (<see cref="PinnedSamples"/>): the same every run, another run's with <c>PROPERTY_TEST_SEED</c>.
/// </summary>
[Collection(nameof(ApiFuzzTests))]
public sealed class ApiFuzzTests(DatabaseFixture database)
{
    [CollectionDefinition(nameof(ApiFuzzTests))]
    public sealed class OwnDatabase : ICollectionFixture<DatabaseFixture>;

    // Bounded: the whole test, host start included, stays well under a minute on a busy 2-core machine.
    private const int Requests = 300;

    private static readonly string[] Methods = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"];

    private static readonly string[] ContentTypes =
    [
        "application/json", "application/json; charset=utf-8", "application/json; charset=\"UTF-8\"", "application/json;charset=utf8",
        "application/json; charset=latin1", "application/json; charset=\"\"", "application/json; charset=utf-16", "application/json; charset=x-unknown",
        "application/problem+json", "text/plain", "text/json; charset=utf-8", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x",
        "application/json; boundary", "application/json; charset", ";;;", "application/", "*/*", "",
    ];

    private static readonly string[] Strings =
    [
        "", " ", "a", "ann@example.com", "\u212Aate@example.com", "\u0130stanbul@example.com", "' OR '1'='1", "\"; DROP TABLE users; --",
        "\u0000", "\uFEFF", "\u202E", "x\u0301\u0301\u0301", "\uD83D\uDE00", "../../etc/passwd", "%00", "{{7*7}}", "<script>alert(1)</script>",
        new string('x', 300), new string('\u00E9', 2000), "9e999", "-1", "0", "true", "null", "00000000-0000-0000-0000-000000000000",
        "email", "waiting", "dead", "completed", "notification",
    ];

    // Headers: HttpClient sends ASCII only.
    private static readonly string[] AsciiStrings = Strings.Where(s => s.All(char.IsAscii) && !s.Contains('\0', StringComparison.Ordinal)).ToArray();

    private static readonly string[] Numbers = ["0", "-1", "1", "20", "100", "101", "2147483648", "-2147483649", "1e308", "9e999", "1.5", "-0", "1e-400", "0x10"];

    [Fact]
    public async Task No_request_from_the_API_document_gives_a_5xx_a_bare_4xx_a_written_row_or_a_new_metric_label()
    {
        await using var isolated = await IsolatedDatabase.CreateAsync(database);
        // Jobs do not run, so a row can only be written by the request being answered.
        // Readiness is published at once, so the baseline of label values already holds its check's name.
        await using var host = isolated.Host(new Dictionary<string, string?> { ["Jobs:RunJobs"] = "false", ["HealthCheckPublisher:Delay"] = "00:00:00" });
        using var client = host.CreateSocketClient();
        var user = await TestAccounts.SignUpAsync(client);
        var admin = await TestAccounts.SignUpAdminAsync(client, isolated.ConnectionString);
        // DELETE operations name this account, not the user's: an administrator's token deletes it at most once (then
        // 404), while the user whose token and id the other requests use stays for the whole run.
        var deletable = await TestAccounts.SignUpAsync(client);
        using var document = JsonDocument.Parse(await client.GetStringAsync("/openapi/v1.json"));
        var operations = Operation.AllIn(document.RootElement);
        Assert.NotEmpty(operations);
        var tokens = new[] { null, user.AccessToken, admin.AccessToken, "forged." + user.AccessToken[..Math.Min(40, user.AccessToken.Length)], "" };
        await using var connection = new NpgsqlConnection(isolated.ConnectionString);
        await connection.OpenAsync();
        var countRows = await RowCountQueryAsync(connection);
        var labelsBefore = LabelValues(await Eventually.UntilAsync(() => client.GetStringAsync("/metrics"),
            scrape => scrape.Contains("readiness_check_status{", StringComparison.Ordinal), "the first readiness result"));

        var requests = Gen.Select(Gen.Int[0, operations.Count - 1], Gen.Int[0, tokens.Length - 1], Gen.Int[0, int.MaxValue].Array[12])
            .Select((operation, token, dice) => new FuzzRequest(operations[operation], tokens[token], dice, user.Id, deletable.Id, user.RefreshToken));

        await PinnedSamples.CheckAsync(requests, Requests, CheckAsync, request => request.ToString());

        async Task CheckAsync(FuzzRequest request)
        {
            var before = await connection.QuerySingleAsync<string>(countRows);
            using var message = request.ToMessage();
            using var response = await client.SendAsync(message);
            var status = (int)response.StatusCode;
            var body = await response.Content.ReadAsStringAsync();

            Assert.True(status < 500 || status == 503, $"{status} for {request}: {body}");
            // Kestrel answers a request line or headers over its limits (414, 431), and a path with an encoded NUL (400),
            // itself, before the service sees the request: those are bare, and the only 4xx allowed to be.
            // Kestrel has no hook for the body of these answers (README, Errors).
            var rejectedByKestrel = status is 414 or 431
                || (status == 400 && body.Length == 0 && message.RequestUri!.OriginalString.Contains("%00", StringComparison.Ordinal));
            if (status is >= 400 and < 500 && !rejectedByKestrel && message.Method != HttpMethod.Head)
            {
                Assert.True(response.Content.Headers.ContentType?.MediaType == "application/problem+json", $"{status} without problem details for {request}: {body}");
            }
            if (status is < 200 or >= 300)
            {
                Assert.True(before == await connection.QuerySingleAsync<string>(countRows), $"{status} for {request} wrote a row: {before}");
            }
        }

        var labelsAfter = LabelValues(await client.GetStringAsync("/metrics"));
        var routes = operations.Select(o => o.Path).ToHashSet(StringComparer.Ordinal);
        foreach (var (label, values) in labelsAfter)
        {
            foreach (var value in values.Except(labelsBefore.GetValueOrDefault(label) ?? []))
            {
                var closed = label switch
                {
                    "method" => Methods.Contains(value) || value == "OTHER",
                    "route" => routes.Contains(value) || value == "unmatched" || value == "/metrics",
                    "status" => value.Length == 3 && value.All(char.IsAsciiDigit),
                    _ => false,
                };
                Assert.True(closed, $"A new value '{value}' of the metric label '{label}' appeared");
            }
        }
    }

    /// <summary>One query that counts the rows of every table in the database, as one comparable string.</summary>
    private static async Task<string> RowCountQueryAsync(NpgsqlConnection connection)
    {
        var tables = (await connection.QueryAsync<string>(
            "SELECT quote_ident(table_name) FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY 1")).ToList();
        Assert.Contains("users", tables);
        return "SELECT concat_ws(' '" + string.Concat(tables.Select(t => $", '{t}=' || (SELECT count(*) FROM {t})")) + ")";
    }

    private static Dictionary<string, HashSet<string>> LabelValues(string scrape) =>
        MetricsText.Parse(scrape).SelectMany(sample => sample.Labels)
            .GroupBy(label => label.Key, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.Select(label => label.Value).ToHashSet(StringComparer.Ordinal), StringComparer.Ordinal);

    private sealed record Parameter(string Name, string In, string Type, string? Format);

    private sealed record Operation(string Method, string Path, IReadOnlyList<Parameter> Parameters, IReadOnlyList<Parameter> BodyFields, bool HasBody)
    {
        public static List<Operation> AllIn(JsonElement document)
        {
            var schemas = document.GetProperty("components").GetProperty("schemas");
            var operations = new List<Operation>();
            foreach (var path in document.GetProperty("paths").EnumerateObject())
            {
                foreach (var operation in path.Value.EnumerateObject())
                {
                    var parameters = operation.Value.TryGetProperty("parameters", out var list)
                        ? list.EnumerateArray().Select(p => Of(p.GetProperty("name").GetString()!, p.GetProperty("in").GetString()!, p.GetProperty("schema"))).ToList()
                        : [];
                    var fields = new List<Parameter>();
                    var hasBody = operation.Value.TryGetProperty("requestBody", out var requestBody);
                    if (hasBody && requestBody.GetProperty("content").EnumerateObject().First().Value.GetProperty("schema").TryGetProperty("$ref", out var reference)
                        && schemas.GetProperty(reference.GetString()!.Split('/')[^1]).TryGetProperty("properties", out var properties))
                    {
                        fields.AddRange(properties.EnumerateObject().Select(p => Of(p.Name, "body", p.Value)));
                    }
                    operations.Add(new Operation(operation.Name.ToUpperInvariant(), path.Name, parameters, fields, hasBody));
                }
            }
            return operations;
        }

        private static Parameter Of(string name, string where, JsonElement schema) => new(
            name, where,
            schema.TryGetProperty("type", out var type) ? type.GetString() ?? "object" : "object",
            schema.TryGetProperty("format", out var format) ? format.GetString() : null);
    }

    /// <summary>One request, decided by a dozen dice: mostly well-formed, each part mutated now and then.</summary>
    private sealed class FuzzRequest(Operation operation, string? token, int[] dice, Guid knownId, Guid deletableId, string refreshToken)
    {
        private readonly Random _random = new(dice[0]);

        private string? _description;

        private string _method = operation.Method;

        public HttpRequestMessage ToMessage()
        {
            var method = _method = dice[1] % 10 == 0 ? Methods[dice[2] % Methods.Length] : operation.Method;
            var path = operation.Path;
            var query = new List<string>();
            foreach (var parameter in operation.Parameters)
            {
                var value = Value(parameter, asText: true);
                if (parameter.In == "path")
                {
                    path = path.Replace("{" + parameter.Name + "}", Uri.EscapeDataString(value.Length == 0 ? "x" : value), StringComparison.OrdinalIgnoreCase);
                }
                else if (_random.Next(4) != 0)
                {
                    query.Add($"{parameter.Name}={Uri.EscapeDataString(value)}");
                }
            }
            // Credentials and body fields offered in the query string too, which must never be read from there.
            if (_random.Next(3) == 0)
            {
                query.AddRange(operation.BodyFields.Select(f => $"{f.Name}={Uri.EscapeDataString(Value(f, asText: true))}"));
            }
            if (_random.Next(6) == 0)
            {
                query.Add($"{Pick(Strings)}={Uri.EscapeDataString(Pick(Strings))}");
            }
            var uri = path + (query.Count > 0 ? "?" + string.Join('&', query) : "");
            var message = new HttpRequestMessage(new HttpMethod(method), uri);
            if (operation.HasBody || _random.Next(8) == 0)
            {
                var content = new ByteArrayContent(Body());
                content.Headers.TryAddWithoutValidation("Content-Type", dice[3] % 3 == 0 ? Pick(ContentTypes) : "application/json");
                message.Content = content;
            }
            if (token is not null)
            {
                message.Headers.TryAddWithoutValidation("Authorization", dice[4] % 12 == 0 ? "Bearer" : dice[4] % 12 == 1 ? "Basic " + token : "Bearer " + token);
            }
            if (_random.Next(5) == 0)
            {
                message.Headers.TryAddWithoutValidation(Pick(["Accept", "Accept-Charset", "X-Forwarded-For", "Cookie", "Accept-Language", "If-None-Match"]), Pick(AsciiStrings));
            }
            if (_random.Next(5) == 0)
            {
                message.Headers.TryAddWithoutValidation("Accept", Pick(["text/html", "text/plain", "application/xml", "image/*", "*/*", "application/json;q=0"]));
            }
            _description = $"{method} {uri} token={(token is null ? "none" : token.Length > 20 ? "valid-looking" : "forged")} content-type={message.Content?.Headers.ContentType?.ToString() ?? "none"}";
            return message;
        }

        public override string ToString() => _description ?? $"{operation.Method} {operation.Path} dice {string.Join(',', dice)}";

        private byte[] Body()
        {
            switch (dice[5] % 12)
            {
                case 0:
                    return [];
                case 1:
                    var bytes = new byte[_random.Next(1, 64)];
                    _random.NextBytes(bytes);
                    return bytes;
                case 2:
                    var depth = _random.Next(20, 80);
                    return Encoding.UTF8.GetBytes(string.Concat(Enumerable.Repeat("{\"a\":[", depth)) + "1" + string.Concat(Enumerable.Repeat("]}", depth)));
                case 3:
                    var json = ObjectJson();
                    return Encoding.UTF8.GetBytes(json[..Math.Max(1, json.Length - _random.Next(1, 5))]);
                case 4:
                    return Encoding.UTF8.GetBytes(Pick(["null", "[]", "\"text\"", "42", "{\"a\":1,\"a\":2}", "{\"data\":" + string.Concat(Enumerable.Repeat("[", 40)) + "]"]));
                default:
                    return Encoding.UTF8.GetBytes(ObjectJson());
            }
        }

        private string ObjectJson() =>
            "{" + string.Join(",", operation.BodyFields.Where(_ => _random.Next(8) != 0).Select(f => $"{JsonSerializer.Serialize(f.Name)}:{Value(f, asText: false)}")) + "}";

        /// <summary>A value of the parameter's type most of the time; a value of another type or a hostile one otherwise.</summary>
        private string Value(Parameter parameter, bool asText)
        {
            string Quoted(string text) => asText ? text : JsonSerializer.Serialize(text);
            if (_random.Next(5) == 0)
            {
                var wrong = _random.Next(4) switch
                {
                    0 => Quoted(Pick(Strings)),
                    1 => Pick(Numbers),
                    2 => asText ? "" : "null",
                    _ => asText ? "[]" : Pick(["[]", "{}", "{\"data\":{\"n\":" + string.Join(",", Enumerable.Repeat("9e999", 3)) + "}}", "true"]),
                };
                return wrong;
            }
            return (parameter.Type, parameter.Format, parameter.Name.ToLowerInvariant()) switch
            {
                (_, "guid" or "uuid", _) => Quoted(_random.Next(3) == 0 ? (_method == "DELETE" ? deletableId : knownId).ToString() : Guid.NewGuid().ToString()),
                ("integer" or "number", _, _) => Pick(Numbers),
                ("boolean", _, _) => Pick(["true", "false"]),
                ("object", _, "data") => Pick(["{}", "{\"a\":1}", "{\"n\":9e999}", "{\"s\":\"\\u0000\"}", "{\"s\":\"\\ud800\"}", "[1]"]),
                ("object" or "array", _, _) => Pick(["{}", "[]", "null"]),
                (_, _, "refreshtoken") => Quoted(_random.Next(4) == 0 ? refreshToken : Pick(Strings)),
                (_, _, "queue") => Quoted(Pick(["email", "notification", "nope", ""])),
                (_, _, "state") => Quoted(Pick(["waiting", "active", "completed", "failed", "dead", "WAITING", "x"])),
                _ => Quoted(Pick(Strings)),
            };
        }

        private string Pick(string[] choices) => choices[_random.Next(choices.Length)];
    }
}
