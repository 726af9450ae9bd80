using System.Runtime.CompilerServices;

namespace MinimalBackend.Tests.Support;

internal static class StrictSnapshots
{
    /// <summary>
    /// Under CI a missing snapshot must fail the test, not be written and pass: Snapshooter's strict mode
    /// does exactly that, and it is switched on before any test runs.
    /// </summary>
    [ModuleInitializer]
    internal static void EnableUnderCi()
    {
        if (IsCi(Environment.GetEnvironmentVariable("CI")))
        {
            Environment.SetEnvironmentVariable("SNAPSHOOTER_STRICT_MODE", "true");
        }
    }

    internal static bool IsCi(string? value) => string.Equals(value, "true", StringComparison.OrdinalIgnoreCase);
}
