namespace MinimalBackend.Tests.Support;

public static class RepositoryRoot
{
    /// <summary>The folder holding MinimalBackend.slnx, found upwards from the test binaries.</summary>
    public static string Path { get; } = Find();

    private static string Find()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(System.IO.Path.Combine(dir.FullName, "MinimalBackend.slnx")))
            {
                return dir.FullName;
            }
        }
        throw new InvalidOperationException("MinimalBackend.slnx was not found above " + AppContext.BaseDirectory);
    }
}
