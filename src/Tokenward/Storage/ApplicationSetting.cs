namespace Tokenward.Storage;

/// <summary>The single row of <c>application_settings</c> (GitLab's names); absent until an admin changes a setting.</summary>
public sealed class ApplicationSetting
{
    public const long SingletonId = 1;

    public long Id { get; set; } = SingletonId;

    public bool RequirePersonalAccessTokenExpiry { get; set; }

    public int MaxPersonalAccessTokenLifetime { get; set; }

    public DateTime UpdatedAt { get; set; }
}
