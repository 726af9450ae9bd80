using System.Text;

namespace MinimalBackend.Infrastructure.Commands;

/// <summary>Secrets for commands come from the environment or from this prompt, never from argv (shell history, <c>ps</c>).</summary>
public static class SecretPrompt
{
    /// <summary>Reads a line without echoing it on a terminal; reads standard input as is when it is a pipe. Null at end of input.</summary>
    public static string? Read(string prompt)
    {
        if (Console.IsInputRedirected)
        {
            return Console.In.ReadLine();
        }

        Console.Error.Write(prompt);
        var secret = new StringBuilder();
        while (true)
        {
            var key = Console.ReadKey(intercept: true);
            if (key.Key == ConsoleKey.Enter)
            {
                break;
            }
            if (key.Key == ConsoleKey.Backspace)
            {
                secret.Length = Math.Max(0, secret.Length - 1);
            }
            else if (!char.IsControl(key.KeyChar))
            {
                secret.Append(key.KeyChar);
            }
        }
        Console.Error.WriteLine();
        return secret.ToString();
    }
}
