using System.Text;

namespace MinimalBackend.Tests.Support;

/// <summary>
/// Everything a client can read of a response (status, every header and its value, the body's bytes) except what
/// differs between any two requests (<c>Date</c>, the request's own <c>X-Trace-Id</c>), as one string to compare.
/// </summary>
public static class IndistinguishableResponses
{
    private static readonly HashSet<string> PerRequestHeaders = new(StringComparer.OrdinalIgnoreCase) { "Date", "X-Trace-Id" };

    public static async Task<string> WhatAClientSeesAsync(HttpResponseMessage response)
    {
        ArgumentNullException.ThrowIfNull(response);
        var seen = new StringBuilder().Append((int)response.StatusCode).Append(' ').AppendLine(response.ReasonPhrase);
        foreach (var (name, values) in response.Headers.Concat(response.Content.Headers).Where(h => !PerRequestHeaders.Contains(h.Key)).OrderBy(h => h.Key, StringComparer.OrdinalIgnoreCase))
        {
            seen.Append(name).Append(": ").AppendJoin(", ", values).AppendLine();
        }
        Assert.True(response.Headers.Contains("X-Trace-Id"), "Every response carries X-Trace-Id, whose value is the request's own.");
        return seen.AppendLine().Append(Convert.ToHexString(await response.Content.ReadAsByteArrayAsync())).ToString();
    }
}
