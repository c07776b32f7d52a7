using System.Globalization;

namespace Tokenward.Api;

/// <summary>GitLab's <c>destroy_conditionally!</c>: <c>If-Unmodified-Since</c> on a DELETE.</summary>
public static class Preconditions
{
    /// <summary>
    /// 412 when the request carries <c>If-Unmodified-Since</c> and the resource changed after it.
    /// A header that is not a time is ignored, as GitLab ignores it. HTTP dates have whole seconds and
    /// <paramref name="updatedAt"/> has milliseconds, so a change within the header's second counts
    /// as later, as it does in GitLab.
    /// </summary>
    public static void CheckUnmodifiedSince(HttpRequest request, DateTime updatedAt)
    {
        var header = request.Headers.IfUnmodifiedSince.ToString();
        if (header.Length == 0 || !DateTimeOffset.TryParse(header, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var since))
        {
            return;
        }

        if (DateTime.SpecifyKind(updatedAt, DateTimeKind.Utc) > since.UtcDateTime)
        {
            throw ApiException.PreconditionFailed();
        }
    }
}
