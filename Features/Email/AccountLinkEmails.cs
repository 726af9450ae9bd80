using MinimalBackend.Features.Users;
using Npgsql;

namespace MinimalBackend.Features.Email;

/// <summary>What both link emails do before sending: find the account, and store a token for it in a committed transaction.</summary>
internal static class AccountLinkEmails
{
    /// <summary>The recipient and a new raw token, or null when there is nothing to send (no account, or <paramref name="wanted"/> says no).</summary>
    public static async Task<(AccountRecipient Recipient, string Token)?> IssueAsync(
        NpgsqlDataSource database, AccountTokens tokens, Guid? userId, AccountTokenPurpose purpose, Func<AccountRecipient, bool> wanted, CancellationToken cancellationToken)
    {
        if (userId is not { } id)
        {
            return null;
        }
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var recipient = await UserAccounts.RecipientAsync(connection, transaction, id, cancellationToken);
        if (recipient is null || !wanted(recipient))
        {
            return null;
        }
        var token = await tokens.IssueAsync(connection, transaction, id, purpose, cancellationToken);
        // Committed before the send: a token in an email always exists in the table.
        await transaction.CommitAsync(cancellationToken);
        return (recipient, token);
    }
}
