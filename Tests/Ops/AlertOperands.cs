using System.Text.RegularExpressions;

namespace MinimalBackend.Tests.Ops;

/// <summary>
/// What an alert expression measures, without its thresholds: <c>A > 5 and B > 0</c> measures A and B.
/// An alert returns data only while it fires; what it measures should return data whenever there is traffic.
/// </summary>
public static partial class AlertOperands
{
    public static IEnumerable<string> MeasuredQuantities(string expression) =>
        SplitOnSetOperators(expression).Select(operand => TrailingComparison().Replace(operand.Trim(), "").Trim());

    private static IEnumerable<string> SplitOnSetOperators(string expression)
    {
        var depth = 0;
        var start = 0;
        for (var i = 0; i < expression.Length; i++)
        {
            depth += expression[i] switch { '(' or '{' or '[' => 1, ')' or '}' or ']' => -1, _ => 0 };
            if (depth == 0 && SetOperator().Match(expression, i) is { Success: true } match && match.Index == i)
            {
                yield return expression[start..i];
                start = i + match.Length;
                i = start - 1;
            }
        }
        yield return expression[start..];
    }

    // With its vector matching, if any: "and on (instance)" joins two operands as "and" does.
    [GeneratedRegex(@"\s(and|or|unless)(\s+(on|ignoring)\s*\([^)]*\))?\s")]
    private static partial Regex SetOperator();

    [GeneratedRegex(@"\s*(==|!=|>=|<=|>|<)\s*-?[0-9.]+\s*$")]
    private static partial Regex TrailingComparison();
}
