using System.Globalization;

namespace MinimalBackend.Infrastructure.Commands;

/// <summary>The <c>--name value</c> pairs after a command's name.</summary>
public sealed class CommandOptions
{
    private readonly Dictionary<string, string> _values;

    private CommandOptions(Dictionary<string, string> values) => _values = values;

    public static CommandOptions Parse(IReadOnlyList<string> arguments, IReadOnlyCollection<string> allowed)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i < arguments.Count; i++)
        {
            var argument = arguments[i];
            if (!argument.StartsWith("--", StringComparison.Ordinal))
            {
                throw new CommandLineException($"Unexpected argument '{argument}'.");
            }
            var name = argument[2..];
            string value;
            if (name.IndexOf('=', StringComparison.Ordinal) is var equals and >= 0)
            {
                value = name[(equals + 1)..];
                name = name[..equals];
            }
            else if (i + 1 < arguments.Count)
            {
                value = arguments[++i];
            }
            else
            {
                throw new CommandLineException($"--{name} needs a value.");
            }
            if (!allowed.Contains(name))
            {
                throw new CommandLineException($"Unknown option --{name}.");
            }
            values[name] = value;
        }
        return new CommandOptions(values);
    }

    public string? Get(string name) => _values.GetValueOrDefault(name);

    public int GetInt(string name, int defaultValue) =>
        Get(name) is not { } text ? defaultValue
        : int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) ? value
        : throw new CommandLineException($"--{name} must be a whole number, not '{text}'.");
}

/// <summary>The command line is wrong: the message says how, and the usage text follows it.</summary>
public sealed class CommandLineException(string message) : Exception(message);
