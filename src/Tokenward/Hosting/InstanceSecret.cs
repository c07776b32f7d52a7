using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Tokenward.Hosting;

/// <summary>
/// The key of the token digests. Kept outside the database (in <c>secrets.json</c> in the data
/// folder, readable by the owner only, or in <c>TOKENWARD_SECRET</c>), so a copy of the database
/// alone cannot be used to test guesses. Losing it makes every stored token unusable.
/// </summary>
public static class InstanceSecret
{
    public const string FileName = "secrets.json";
    private const string Key = "token_digest_secret";

    /// <param name="create">
    /// Whether a missing key may be made (by <c>serve</c> and <c>init</c>): any other command making
    /// one would digest with a key the server does not have, and print tokens that never work.
    /// </param>
    /// <exception cref="SettingsException">when the key is unreadable, or missing and not to be made.</exception>
    public static byte[] Load(TokenwardSettings settings, bool create = true)
    {
        if (settings.Secret is { } configured)
        {
            return Decode(configured, "TOKENWARD_SECRET");
        }

        var path = Path.Combine(settings.DataDir, FileName);
        if (File.Exists(path))
        {
            JsonNode? node;
            try
            {
                node = JsonNode.Parse(File.ReadAllText(path));
            }
            catch (JsonException e)
            {
                throw new SettingsException($"{path} is not valid JSON: {e.Message}");
            }

            return node?[Key]?.GetValue<string>() is { } stored
                ? Decode(stored, path)
                : throw new SettingsException($"{path} has no \"{Key}\".");
        }

        if (!create)
        {
            throw new SettingsException(
                $"no {path} and no TOKENWARD_SECRET: the key of the token digests is where the server keeps it; give this command the server's --data-dir, or TOKENWARD_SECRET.");
        }

        Directory.CreateDirectory(settings.DataDir);
        var secret = RandomNumberGenerator.GetBytes(32);
        var json = new JsonObject { [Key] = Convert.ToBase64String(secret) }.ToJsonString();
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        try
        {
            using var writer = new StreamWriter(path, options);
            writer.Write(json);
        }
        catch (IOException) when (File.Exists(path))
        {
            // Another process created it first: use theirs.
            return Load(settings, create);
        }

        return secret;
    }

    private static byte[] Decode(string value, string source)
    {
        byte[] bytes;
        try
        {
            bytes = Convert.FromBase64String(value);
        }
        catch (FormatException)
        {
            throw new SettingsException($"{source}: the secret must be base64 (e.g. `openssl rand -base64 32`).");
        }

        return bytes.Length >= Core.Tokens.TokenDigester.MinimumSecretBytes
            ? bytes
            : throw new SettingsException($"{source}: the secret must be at least {Core.Tokens.TokenDigester.MinimumSecretBytes} bytes.");
    }
}
