using System.Net;
using System.Text;

namespace MinimalBackend.Tests.Support;

/// <summary>
/// A tiny web server on a free 127.0.0.1 port that serves fixed files: a web app's origin, other than the service's,
/// for browser tests of cross-origin calls. Unknown paths are 404.
/// </summary>
public sealed class StaticPageServer : IAsyncDisposable
{
    private readonly HttpListener _listener = new();
    private readonly IReadOnlyDictionary<string, (string ContentType, byte[] Content)> _files;
    private readonly Task _serving;

    public StaticPageServer(IReadOnlyDictionary<string, (string ContentType, byte[] Content)> files)
    {
        _files = files;
        var port = LocalNetwork.FreePort();
        Origin = $"http://127.0.0.1:{port}";
        _listener.Prefixes.Add(Origin + "/");
        _listener.Start();
        _serving = ServeAsync();
    }

    /// <summary>The origin pages of this server run in: <c>http://127.0.0.1:{port}</c>.</summary>
    public string Origin { get; }

    public static (string, byte[]) Html(string html) => ("text/html; charset=utf-8", Encoding.UTF8.GetBytes(html));

    public static (string, byte[]) JavaScriptFile(string path) => ("text/javascript; charset=utf-8", File.ReadAllBytes(path));

    private async Task ServeAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException)
            {
                return;
            }
            using var response = context.Response;
            if (_files.TryGetValue(context.Request.Url!.AbsolutePath, out var file))
            {
                response.ContentType = file.ContentType;
                response.ContentLength64 = file.Content.Length;
                await response.OutputStream.WriteAsync(file.Content);
            }
            else
            {
                response.StatusCode = (int)HttpStatusCode.NotFound;
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        _listener.Stop();
        _listener.Close();
        await _serving;
    }
}
