using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace MinimalBackend.Tests.Support;

public static class LocalNetwork
{
    private static readonly HashSet<int> Given = [];

    /// <summary>
    /// A port on 127.0.0.1 that nothing listens on right now, never one this process gave before, and outside the
    /// kernel's range of ephemeral ports. A port from that range (what binding port 0 gives) may become the local
    /// end of any outgoing connection of the run before the server a test starts binds it, and that connection, or
    /// its TIME_WAIT, makes the bind fail, SO_REUSEADDR or not: the likeliest reason an ops/run test once found no
    /// Alertmanager on its port.
    /// </summary>
    public static int FreePort()
    {
        var (firstEphemeral, lastEphemeral) = EphemeralPorts();
        // From 10000 (above the ports most services use) to just below the ephemeral ones, or above them.
        var below = Math.Max(0, firstEphemeral - 10_000);
        var above = Math.Max(0, 65_535 - lastEphemeral);
        lock (Given)
        {
            for (var attempt = 0; attempt < 100 && below + above > 0; attempt++)
            {
                var pick = Random.Shared.Next(below + above);
                var port = pick < below ? 10_000 + pick : lastEphemeral + 1 + (pick - below);
                if (!Given.Contains(port) && CanListen(port))
                {
                    Given.Add(port);
                    return port;
                }
            }
        }
        throw new InvalidOperationException($"No free port on 127.0.0.1 outside the ephemeral ports {firstEphemeral}-{lastEphemeral}.");
    }

    private static (int First, int Last) EphemeralPorts()
    {
        // "32768\t60999" on Linux by default.
        var range = File.ReadAllText("/proc/sys/net/ipv4/ip_local_port_range").Split((char[])['\t', ' '], StringSplitOptions.RemoveEmptyEntries);
        return (int.Parse(range[0], System.Globalization.CultureInfo.InvariantCulture), int.Parse(range[1], System.Globalization.CultureInfo.InvariantCulture));
    }

    private static bool CanListen(int port)
    {
        try
        {
            using var listener = new TcpListener(IPAddress.Loopback, port);
            listener.Start();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    public static bool IsListening(int port)
    {
        try
        {
            using var client = new TcpClient();
            client.Connect(IPAddress.Loopback, port);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    /// <summary>Polls <c>/health/ready</c> until it answers 200; false if <paramref name="gaveUp"/> says so first or time runs out.</summary>
    public static async Task<bool> WaitUntilReadyAsync(Uri baseAddress, Func<bool> gaveUp, TimeSpan timeout)
    {
        using var client = new HttpClient { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(2) };
        var waited = Stopwatch.StartNew();
        while (waited.Elapsed < timeout && !gaveUp())
        {
            try
            {
                if ((await client.GetAsync("/health/ready")).StatusCode == HttpStatusCode.OK)
                {
                    return true;
                }
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                // Not listening yet.
            }
            await Task.Delay(250);
        }
        return false;
    }
}
