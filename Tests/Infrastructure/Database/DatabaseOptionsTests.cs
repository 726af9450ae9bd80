using MinimalBackend.Infrastructure.Database;
using Npgsql;

namespace MinimalBackend.Tests.Infrastructure.Database;

public sealed class DatabaseOptionsTests
{
    private const string Given = "Host=127.0.0.1;Port=5432;Database=app;Username=app;Password=secret";

    [Fact]
    public void The_settings_apply_to_a_connection_string_that_has_none_of_its_own()
    {
        var requests = new NpgsqlConnectionStringBuilder(new DatabaseOptions().ForRequests(Given));

        Assert.True(requests.Multiplexing);
        Assert.Equal(20, requests.MaxAutoPrepare);
        Assert.Equal(8, requests.MaxPoolSize);
        Assert.Equal("app", requests.Database);
        Assert.Equal("secret", requests.Password);
    }

    [Theory]
    [InlineData("Multiplexing=false;Max Auto Prepare=0;Maximum Pool Size=50")]
    [InlineData("multiplexing=False;MaxAutoPrepare=0;MaxPoolSize=50")]
    public void What_the_connection_string_sets_itself_wins_in_any_spelling(string own)
    {
        var requests = new NpgsqlConnectionStringBuilder(new DatabaseOptions().ForRequests($"{Given};{own}"));

        Assert.False(requests.Multiplexing);
        Assert.Equal(0, requests.MaxAutoPrepare);
        Assert.Equal(50, requests.MaxPoolSize);
    }

    [Fact]
    public void Session_connections_are_never_multiplexed()
    {
        Assert.False(new NpgsqlConnectionStringBuilder(DatabaseOptions.ForSessions($"{Given};Multiplexing=true")).Multiplexing);
    }
}
