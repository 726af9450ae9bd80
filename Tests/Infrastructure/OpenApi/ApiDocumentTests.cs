using System.Net;
using System.Net.Http.Json;
using System.Text;
using MinimalBackend.Tests.Support;
using Newtonsoft.Json.Linq;
using Snapshooter.Xunit;

namespace MinimalBackend.Tests.Infrastructure.OpenApi;

[Collection(nameof(ApiDocumentTests))]
public sealed class ApiDocumentTests(ServiceFixture service) : IClassFixture<ServiceFixture>
{
    [CollectionDefinition(nameof(ApiDocumentTests))]
    public sealed class OwnDatabase : ICollectionFixture<DatabaseFixture>;

    [Fact]
    public async Task The_OpenAPI_document_matches_the_reviewed_contract()
    {
        var document = await DocumentAsync();

        Snapshot.Match(document);
    }

    [Fact]
    public async Task Test_only_endpoints_stay_out_of_the_document()
    {
        var document = await DocumentAsync();

        var paths = ((JObject)document["paths"]!).Properties().Select(p => p.Name).ToList();
        Assert.Contains("/api/users/{id}", paths);
        Assert.DoesNotContain(paths, p => p.StartsWith("/test/", StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_interactive_page_is_not_served_outside_Development()
    {
        var response = await service.Client.GetAsync("/docs");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Fact]
    public async Task Each_error_a_client_can_cause_is_declared_on_its_operation_with_every_member_the_problem_schema_requires()
    {
        var document = await DocumentAsync();
        var required = document.SelectToken("components.schemas.ProblemDetails.required")!.Values<string>().OfType<string>().ToList();
        var user = await TestAccounts.SignUpAsync(service.Client);
        var client = service.Client;
        var oversized = new StringContent($$"""{"email":"{{new string('x', 2 * 1024 * 1024)}}"}""", Encoding.UTF8, "application/json");
        using var tooLarge = new HttpRequestMessage(HttpMethod.Post, "/api/auth/login") { Content = oversized };
        tooLarge.Headers.ExpectContinue = true;

        (string Path, string Method, HttpResponseMessage Response)[] answers =
        [
            ("/api/auth/register", "post", await client.PostAsJsonAsync("/api/auth/register", new { email = "", password = "", displayName = "" })),
            ("/api/users/me", "get", await client.GetAsync("/api/users/me", accessToken: null)),
            ("/api/users", "get", await client.GetAsync("/api/users", user.AccessToken)),
            ("/api/notifications/{id}/read", "post", await client.SendAsync(HttpMethod.Post, $"/api/notifications/{Guid.NewGuid()}/read", new StringContent(""), user.AccessToken)),
            ("/api/auth/register", "post", await client.PostAsJsonAsync("/api/auth/register", new { email = user.Email, password = user.Password, displayName = "Again" })),
            ("/api/auth/login", "post", await client.SendAsync(tooLarge)),
            ("/api/auth/login", "post", await client.PostAsync("/api/auth/login", new StringContent("email=a", Encoding.UTF8, "text/plain"))),
        ];

        Assert.Equal([400, 401, 403, 404, 409, 413, 415], answers.Select(a => (int)a.Response.StatusCode));
        foreach (var (path, method, response) in answers)
        {
            var status = ((int)response.StatusCode).ToString(System.Globalization.CultureInfo.InvariantCulture);
            var declared = document["paths"]![path]![method]!["responses"]![status];
            Assert.True(declared is not null, $"{method} {path} answered {status}, which the document does not declare");
            Assert.Equal("#/components/schemas/ProblemDetails", (string?)declared.SelectToken("content['application/problem+json'].schema.$ref"));
            var problem = JObject.Parse(await response.Content.ReadAsStringAsync());
            Assert.All(required, member => Assert.True(problem[member] is not null, $"{status} of {method} {path} lacks '{member}': {problem}"));
        }
    }

    private async Task<JObject> DocumentAsync() => JObject.Parse(await service.Client.GetStringAsync("/openapi/v1.json"));
}
