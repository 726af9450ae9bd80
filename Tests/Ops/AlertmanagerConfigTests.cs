using System.Diagnostics;
using System.Text.Json;
using System.Threading.Channels;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using MinimalBackend.Tests.Support;
using YamlDotNet.RepresentationModel;

namespace MinimalBackend.Tests.Ops;

// ops/alertmanager: the config as compose renders it (render-config.sh fills in the webhook URL from the
// environment), checked by amtool and then run by a real Alertmanager that delivers to a webhook here.
public sealed class AlertmanagerConfigTests : IDisposable
{
    private static readonly string Source = Path.Combine(RepositoryRoot.Path, "ops", "alertmanager", "config.yml");
    private static readonly string Renderer = Path.Combine(RepositoryRoot.Path, "ops", "alertmanager", "render-config.sh");
    private readonly string _directory = Directory.CreateTempSubdirectory("minimal-backend-alertmanager-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public async Task The_rendered_config_passes_amtool_check_config()
    {
        var config = await RenderAsync("https://hooks.example.com/alerts");

        var result = await ProcessRunner.RunAsync(AlertmanagerTools.Amtool, ["check-config", config]);

        Assert.True(result.ExitCode == 0, result.Output);
        Assert.Contains("1 inhibit rules", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Rendering_without_the_webhook_URL_fails_naming_the_variable_and_writes_nothing()
    {
        var target = Path.Combine(_directory, "alertmanager.yml");

        var result = await ProcessRunner.RunAsync("env", ["-u", "ALERTMANAGER_WEBHOOK_URL", "sh", Renderer, Source, target]);

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("ALERTMANAGER_WEBHOOK_URL is not set", result.Output, StringComparison.Ordinal);
        Assert.False(File.Exists(target));
    }

    [Fact]
    public async Task A_webhook_URL_with_quotes_ampersands_and_backslashes_arrives_unchanged()
    {
        const string url = @"https://hooks.example.com/services/T0/B0?token=a&b='c'\d|e";

        var config = Yaml.Load(await RenderAsync(url));

        var urls = ((YamlSequenceNode)config["receivers"]).Children.Cast<YamlMappingNode>()
            .SelectMany(receiver => ((YamlSequenceNode)receiver["webhook_configs"]).Children.Cast<YamlMappingNode>())
            .Select(webhook => Yaml.Scalar(webhook["url"]))
            .ToList();
        Assert.Equal([url, url], urls);
    }

    [Theory]
    [InlineData("critical", "critical")]
    [InlineData("warning", "warning")]
    [InlineData("", "warning")]
    public async Task Alerts_are_routed_by_severity(string severity, string receiver)
    {
        var config = await RenderAsync("https://hooks.example.com/alerts");
        string[] labels = severity.Length > 0 ? ["alertname=HighErrorRate", $"severity={severity}"] : ["alertname=HighErrorRate"];

        var output = await ProcessRunner.RunCheckedAsync(AlertmanagerTools.Amtool, ["config", "routes", "test", $"--config.file={config}", .. labels]);

        Assert.Equal(receiver, output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Last(l => !l.StartsWith("Warning:", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task A_critical_alert_silences_the_same_alert_at_warning_and_reaches_the_webhook()
    {
        await using var webhook = await WebhookReceiver.StartAsync();
        var config = await RenderAsync(webhook.Url);
        var port = LocalNetwork.FreePort();
        await using var alertmanager = await AlertmanagerProcess.StartAsync(new ProcessStartInfo(AlertmanagerTools.Alertmanager,
            [$"--config.file={config}", $"--storage.path={Path.Combine(_directory, "data")}", $"--web.listen-address=127.0.0.1:{port}", "--cluster.listen-address="]), port);

        await alertmanager.PostAsync(
            Alert(("alertname", "HighErrorRate"), ("severity", "critical")),
            Alert(("alertname", "HighErrorRate"), ("severity", "warning")),
            Alert(("alertname", "QueueJobFailures"), ("severity", "warning"), ("queue", "email")));

        var states = await alertmanager.StatesAsync();
        Assert.Equal("active", states[("HighErrorRate", "critical")]);
        Assert.Equal("suppressed", states[("HighErrorRate", "warning")]);
        Assert.Equal("active", states[("QueueJobFailures", "warning")]);

        // The critical route waits 10 s to group alerts before its first notification.
        var notification = await webhook.NextAsync(TimeSpan.FromSeconds(40));
        Assert.Equal("critical", notification.GetProperty("receiver").GetString());
        var alert = Assert.Single(notification.GetProperty("alerts").EnumerateArray());
        Assert.Equal("HighErrorRate", alert.GetProperty("labels").GetProperty("alertname").GetString());
        Assert.Equal("critical", alert.GetProperty("labels").GetProperty("severity").GetString());
    }

    private async Task<string> RenderAsync(string webhookUrl)
    {
        var target = Path.Combine(_directory, "alertmanager.yml");
        await ProcessRunner.RunCheckedAsync("env", $"ALERTMANAGER_WEBHOOK_URL={webhookUrl}", "sh", Renderer, Source, target);
        return target;
    }

    private static Dictionary<string, object> Alert(params (string Name, string Value)[] labels) => new()
    {
        ["labels"] = labels.ToDictionary(l => l.Name, l => l.Value),
        ["annotations"] = new Dictionary<string, string> { ["summary"] = "from AlertmanagerConfigTests" },
    };

    /// <summary>The webhook Alertmanager notifies: a Kestrel endpoint that keeps every payload it receives.</summary>
    private sealed class WebhookReceiver : IAsyncDisposable
    {
        private readonly WebApplication _app;
        private readonly Channel<JsonElement> _received = Channel.CreateUnbounded<JsonElement>();

        private WebhookReceiver(WebApplication app, string url)
        {
            _app = app;
            Url = url;
        }

        public string Url { get; }

        public static async Task<WebhookReceiver> StartAsync()
        {
            var url = $"http://127.0.0.1:{LocalNetwork.FreePort()}";
            var builder = WebApplication.CreateSlimBuilder();
            builder.WebHost.UseUrls(url);
            builder.Logging.ClearProviders();
            var receiver = new WebhookReceiver(builder.Build(), url + "/alerts");
            receiver._app.MapPost("/alerts", async (HttpRequest request) =>
            {
                using var payload = await JsonDocument.ParseAsync(request.Body);
                await receiver._received.Writer.WriteAsync(payload.RootElement.Clone());
                return Results.Ok();
            });
            await receiver._app.StartAsync();
            return receiver;
        }

        public async Task<JsonElement> NextAsync(TimeSpan timeout)
        {
            using var cancellation = new CancellationTokenSource(timeout);
            return await _received.Reader.ReadAsync(cancellation.Token);
        }

        public ValueTask DisposeAsync() => _app.DisposeAsync();
    }
}
