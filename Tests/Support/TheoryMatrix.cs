namespace MinimalBackend.Tests.Support;

/// <summary>Theory data of every pair of two lists (each endpoint with each body, say).</summary>
public static class TheoryMatrix
{
    public static TheoryData<string, string> Of(IEnumerable<string> first, IEnumerable<string> second)
    {
        var cases = new TheoryData<string, string>();
        foreach (var a in first)
        {
            foreach (var b in second)
            {
                cases.Add(a, b);
            }
        }
        return cases;
    }
}
