using System.Buffers.Text;
using System.Security.Cryptography;
using Microsoft.Extensions.Options;

namespace MinimalBackend.Infrastructure.Security;

/// <summary>
/// In Development only, a missing <c>Jwt:SigningKey</c> is generated once into <see cref="JwtOptions.DevelopmentKeyFile"/>
/// (git-ignored, readable by its owner only) and reused after, so tokens survive a restart of <c>./ops/run</c>.
/// Every other environment must be given a key: <see cref="JwtOptionsValidation"/> stops startup without one.
/// </summary>
public sealed partial class DevelopmentSigningKey(IHostEnvironment environment, ILogger<DevelopmentSigningKey> logger) : IPostConfigureOptions<JwtOptions>
{
    public void PostConfigure(string? name, JwtOptions options)
    {
        if (!environment.IsDevelopment() || !string.IsNullOrEmpty(options.SigningKey))
        {
            return;
        }
        var path = Path.Combine(environment.ContentRootPath, options.DevelopmentKeyFile);
        options.SigningKey = ReadOrCreate(path);
    }

    private string ReadOrCreate(string path)
    {
        if (File.Exists(path))
        {
            return File.ReadAllText(path).Trim();
        }

        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var key = Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(48));
        try
        {
            var create = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
            if (!OperatingSystem.IsWindows())
            {
                create.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
            }
            using var file = new FileStream(path, create);
            using var writer = new StreamWriter(file);
            writer.Write(key);
        }
        catch (IOException) when (File.Exists(path))
        {
            // Another instance created it first: use theirs.
            return File.ReadAllText(path).Trim();
        }
        LogGenerated(logger, path);
        return key;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Generated a JWT signing key for Development in {Path}")]
    private static partial void LogGenerated(ILogger logger, string path);
}

/// <summary>A missing or short key stops startup with a message that says how to fix it.</summary>
public sealed class JwtOptionsValidation : IValidateOptions<JwtOptions>
{
    public ValidateOptionsResult Validate(string? name, JwtOptions options) =>
        options.Problem() is { } problem ? ValidateOptionsResult.Fail(problem) : ValidateOptionsResult.Success;
}
