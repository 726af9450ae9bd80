namespace MinimalBackend.Infrastructure.Commands;

public static class CommandsModule
{
    /// <summary>The usage error exit code (sysexits' EX_USAGE).</summary>
    public const int UsageError = 64;

    public static IServiceCollection AddCommand<TCommand>(this IServiceCollection services) where TCommand : class, IConsoleCommand =>
        services.AddTransient<IConsoleCommand, TCommand>();

    /// <summary>A process started with a word first (<c>seed</c>, not <c>--urls</c>) runs a command instead of the web server.</summary>
    public static bool IsCommand(string[] args) => args.Length > 0 && !args[0].StartsWith('-');

    /// <summary>Runs the command <paramref name="args"/> name with the built app's services; returns the exit code.</summary>
    public static async Task<int> RunCommandAsync(this WebApplication app, string[] args)
    {
        var commands = app.Services.GetServices<IConsoleCommand>().OrderBy(c => c.Name, StringComparer.Ordinal).ToList();
        var command = commands
            .Where(c => c.Name.Split(' ') is var words && words.Length <= args.Length && args.AsSpan(0, words.Length).SequenceEqual(words))
            .MaxBy(c => c.Name.Length);
        if (command is null)
        {
            await Console.Error.WriteLineAsync($"Unknown command '{string.Join(' ', args)}'. Commands:");
            foreach (var known in commands)
            {
                await Console.Error.WriteLineAsync($"  {known.Name} {known.Usage}");
            }
            return UsageError;
        }

        using var cancellation = new CancellationTokenSource();
        ConsoleCancelEventHandler onCancel = (_, e) =>
        {
            e.Cancel = true;
            cancellation.Cancel();
        };
        Console.CancelKeyPress += onCancel;
        try
        {
            var options = CommandOptions.Parse(args[command.Name.Split(' ').Length..], command.OptionNames);
            return await command.RunAsync(options, cancellation.Token);
        }
        catch (CommandLineException e)
        {
            await Console.Error.WriteLineAsync($"{e.Message}\nUsage: {command.Name} {command.Usage}");
            return UsageError;
        }
        finally
        {
            Console.CancelKeyPress -= onCancel;
        }
    }
}
