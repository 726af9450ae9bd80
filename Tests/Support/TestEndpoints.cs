using FastEndpoints;
using Microsoft.AspNetCore.Http;

namespace MinimalBackend.Tests.Support;

// Endpoints that exist only in test hosts: FastEndpoints discovers them in the loaded test assembly.
// They let the pipeline tests exercise behaviours (a JSON body, an unhandled exception) that no
// feature should fake. They are excluded from the OpenAPI document, so the contract snapshot stays clean.

public sealed record EchoRequest(string Text, int Count);

public sealed class EchoEndpoint : Endpoint<EchoRequest, EchoRequest>
{
    public override void Configure()
    {
        Post("/test/echo");
        AllowAnonymous();
        Description(d => d.ExcludeFromDescription());
    }

    public override Task HandleAsync(EchoRequest req, CancellationToken ct) => Send.OkAsync(req, ct);
}

public sealed class ThrowingEndpoint : EndpointWithoutRequest
{
    public const string SecretMessage = "connection string Password=hunter2 leaked";

    public override void Configure()
    {
        Get("/test/throw/{kind}");
        AllowAnonymous();
        Description(d => d.ExcludeFromDescription());
    }

    public override Task HandleAsync(CancellationToken ct) => throw new InvalidOperationException(SecretMessage);
}

public sealed class SlowEndpoint : EndpointWithoutRequest
{
    public override void Configure()
    {
        Get("/test/slow");
        AllowAnonymous();
        Description(d => d.ExcludeFromDescription());
    }

    public override async Task HandleAsync(CancellationToken ct)
    {
        await HttpContext.Response.StartAsync(ct);
        await Task.Delay(TimeSpan.FromMilliseconds(300), ct);
        await HttpContext.Response.WriteAsync("done", ct);
    }
}
