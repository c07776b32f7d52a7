using System.Globalization;

namespace Tokenward.Toolkit;

/// <summary>
/// What a GitLab admin runs instead when the API cannot make a change (GitLab has no API to set
/// <c>expires_at</c>): the seed's own scripts, with the dates filled in.
/// </summary>
public static class RailsRunner
{
    public static string Extend(DateOnly expiringOn, DateOnly? newExpiry) => $$"""
        # Save as extend_expiring_tokens.rb and run: sudo gitlab-rails runner /path/to/extend_expiring_tokens.rb
        expiring_date = {{RubyDate(expiringOn)}}
        new_expires_at = {{(newExpiry is { } d ? RubyDate(d) : "nil")}}

        total_updated = PersonalAccessToken
                          .not_revoked
                          .without_impersonation
                          .where(expires_at: expiring_date.to_date)
                          .update_all(expires_at: new_expires_at)

        puts "Updated #{total_updated} tokens with new expiry date #{new_expires_at}"
        """;

    private static string RubyDate(DateOnly d) => string.Create(CultureInfo.InvariantCulture, $"Date.new({d.Year}, {d.Month}, {d.Day})");
}
