using System.Collections.Concurrent;
using System.Reflection;
using Xunit.Abstractions;
using Xunit.Sdk;

[assembly: Xunit.TestFramework("MinimalBackend.Tests.Support.EndOfRun", "MinimalBackend.Tests")]

namespace MinimalBackend.Tests.Support;

/// <summary>
/// xUnit's own test framework with one step added: after the last test, before the run is reported finished, the
/// clean-ups given to <see cref="Register"/> run, last registered first (the run's PostgreSQL cluster, its mail folder).
/// Not at process exit, where the cluster's was: once a test process's results are in, the test platform kills it
/// 100 ms later (VSTest's VSTEST_TESTHOST_SHUTDOWN_TIMEOUT), which was while the cluster stopped, so its directory
/// (about 2 GB after a whole suite) stayed in the temp folder until the next run. Here nothing waits to kill the process yet.
/// </summary>
public sealed class EndOfRun(IMessageSink messageSink) : XunitTestFramework(messageSink)
{
    private static readonly ConcurrentStack<Func<Task>> CleanUps = new();

    /// <summary>Runs <paramref name="cleanUp"/> once the last test of the run has ended.</summary>
    public static void Register(Func<Task> cleanUp) => CleanUps.Push(cleanUp);

    protected override ITestFrameworkExecutor CreateExecutor(AssemblyName assemblyName) =>
        new Executor(assemblyName, SourceInformationProvider, DiagnosticMessageSink);

    private static async Task RunCleanUpsAsync(IMessageSink diagnostics)
    {
        while (CleanUps.TryPop(out var cleanUp))
        {
            try
            {
                await cleanUp();
            }
            catch (Exception e)
            {
                // Every test has already passed or failed; what is left behind, ./ops/test reports after the run.
                diagnostics.OnMessage(new DiagnosticMessage($"A clean-up at the end of the run failed: {e}"));
            }
        }
    }

    private sealed class Executor(AssemblyName assemblyName, ISourceInformationProvider sourceInformation, IMessageSink diagnostics)
        : XunitTestFrameworkExecutor(assemblyName, sourceInformation, diagnostics)
    {
        protected override async void RunTestCases(IEnumerable<IXunitTestCase> testCases, IMessageSink executionMessageSink,
            ITestFrameworkExecutionOptions executionOptions)
        {
            using var runner = new AssemblyRunner(TestAssembly, testCases, DiagnosticMessageSink, executionMessageSink, executionOptions);
            await runner.RunAsync();
        }
    }

    private sealed class AssemblyRunner(ITestAssembly testAssembly, IEnumerable<IXunitTestCase> testCases, IMessageSink diagnostics,
        IMessageSink executionMessageSink, ITestFrameworkExecutionOptions executionOptions)
        : XunitTestAssemblyRunner(testAssembly, testCases, diagnostics, executionMessageSink, executionOptions)
    {
        protected override async Task BeforeTestAssemblyFinishedAsync()
        {
            await RunCleanUpsAsync(DiagnosticMessageSink);
            await base.BeforeTestAssemblyFinishedAsync();
        }
    }
}
