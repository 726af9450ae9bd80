namespace MinimalBackend.Infrastructure.Commands;

/// <summary>
/// A task run once from the command line with the service's configuration and services, instead of the web
/// server: <c>dotnet run -- seed --users 100</c>. Each feature registers its own with <see cref="CommandsModule.AddCommand{TCommand}"/>.
/// </summary>
public interface IConsoleCommand
{
    /// <summary>The words that select it: <c>seed</c>, <c>users create-admin</c>.</summary>
    string Name { get; }

    /// <summary>Its options for the usage text, e.g. <c>--users &lt;count&gt;</c>.</summary>
    string Usage { get; }

    /// <summary>The option names it accepts, without the leading dashes; anything else is a usage error.</summary>
    IReadOnlyCollection<string> OptionNames { get; }

    /// <summary>Runs the command; the result is the process exit code.</summary>
    Task<int> RunAsync(CommandOptions options, CancellationToken cancellationToken);
}
