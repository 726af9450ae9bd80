using System.Text.Json.Nodes;
using MinimalBackend.Features.Admin.Queues;

namespace MinimalBackend.Tests.Features.Admin.Queues;

public sealed class JobSecretsTests
{
    [Theory]
    [InlineData("password")]
    [InlineData("Password")]
    [InlineData("newPassword")]
    [InlineData("passwords")]
    [InlineData("refresh_token")]
    [InlineData("accessToken")]
    [InlineData("accesstoken")]
    [InlineData("X-Auth-Token")]
    [InlineData("apiKey")]
    [InlineData("APIKey")]
    [InlineData("api-key")]
    [InlineData("signingKey")]
    [InlineData("key")]
    [InlineData("clientsecret")]
    [InlineData("client_secret")]
    [InlineData("Authorization")]
    [InlineData("auth")]
    [InlineData("Set-Cookie")]
    [InlineData("credentials")]
    [InlineData("pin")]
    [InlineData("otp")]
    public void A_name_that_says_secret_is_secret(string name) => Assert.True(JobSecrets.IsSecretName(name));

    [Theory]
    [InlineData("email")]
    [InlineData("displayName")]
    [InlineData("userId")]
    [InlineData("monkey")]
    [InlineData("keyboard")]
    [InlineData("author")]
    [InlineData("passenger")]
    [InlineData("spinner")]
    [InlineData("title")]
    public void A_name_that_only_contains_the_letters_of_a_secret_word_is_not(string name) => Assert.False(JobSecrets.IsSecretName(name));

    [Fact]
    public void Secrets_are_masked_at_any_depth_in_objects_and_arrays_and_everything_else_is_kept()
    {
        var masked = JobSecrets.MaskPayload(
            """{"user": {"email": "a@example.com", "credentials": {"user": "a", "pass": "x"}}, "list": [{"token": 1}, "plain", ["Bearer abc.def"]], "count": 2, "none": null}""");

        Assert.Equal(
            """{"user":{"email":"a@example.com","credentials":"***"},"list":[{"token":"***"},"plain",["***"]],"count":2,"none":null}""",
            masked!.ToJsonString());
    }

    [Fact]
    public void A_secret_named_property_whose_value_is_null_stays_null()
    {
        Assert.Equal("""{"password":null}""", JobSecrets.MaskPayload("""{"password": null}""")!.ToJsonString());
    }

    [Fact]
    public void A_payload_that_is_not_JSON_is_masked_whole()
    {
        Assert.Equal("***", JobSecrets.MaskPayload("password=hunter2")!.GetValue<string>());
    }

    [Theory]
    [InlineData("Host=db;Username=app;Password=hunter2;Pooling=true", "Host=db;Username=app;Password=***;Pooling=true")]
    [InlineData("token: abc123 was refused", "token: *** was refused")]
    [InlineData("api_key=\"sk live 1\" rejected", "api_key=*** rejected")]
    [InlineData("sent Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.sig to the relay", "sent Authorization: *** to the relay")]
    [InlineData("the token eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2ln expired", "the token *** expired")]
    [InlineData("System.TimeoutException: The operation has timed out.", "System.TimeoutException: The operation has timed out.")]
    public void An_error_keeps_its_words_and_loses_its_secrets(string error, string masked) => Assert.Equal(masked, JobSecrets.MaskText(error));

    [Fact]
    public void A_masked_payload_is_a_copy_with_the_same_shape()
    {
        var masked = (JsonObject)JobSecrets.MaskPayload("""{"a": 1, "secret": {"deep": [1, 2]}}""")!;

        Assert.Equal(["a", "secret"], masked.Select(p => p.Key));
    }
}
