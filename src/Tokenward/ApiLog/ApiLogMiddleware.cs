using System.Buffers;
using System.Text.Json;
using Microsoft.AspNetCore.Routing.Patterns;
using Tokenward.Api;
using Tokenward.Storage;

namespace Tokenward.ApiLog;

/// <summary>
/// Writes one <c>api_json.log</c> line per API request, with GitLab's field names, after the
/// response is decided. Secrets among the parameters are written as <c>[FILTERED]</c>.
/// </summary>
public sealed class ApiLogMiddleware(RequestDelegate next, ApiJsonLog log, TimeProvider clock)
{
    private const string Crockford = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

    private static readonly string[] SecretWords = ["token", "password", "secret", "key"];

    /// <summary>The metrics' reason for a token that matches none (GitLab logs no reason for it).</summary>
    public const string UnknownTokenReason = "token_unknown";

    public async Task InvokeAsync(HttpContext context)
    {
        var started = clock.GetTimestamp();
        var db = DbTiming.Begin();
        var correlationId = CorrelationId(context);
        context.Response.Headers["X-Request-Id"] = correlationId;
        var facts = ApiLogFacts.Of(context);
        try
        {
            await next(context);
        }
        finally
        {
            var duration = clock.GetElapsedTime(started);
            if ((facts.AuthFailReason ?? (facts.AuthFailTokenType == "unknown" ? UnknownTokenReason : null)) is { } reason)
            {
                Hosting.Metrics.TokenwardMetrics.Refused(reason);
            }
            else if (facts.UserId is not null)
            {
                Hosting.Metrics.TokenwardMetrics.Authenticated();
            }

            // The token service's checks that refused nothing are the proxy's to log (see TokenServiceEndpoint).
            if (facts.AuthFailReason is not null || context.Response.StatusCode >= 400
                || context.GetEndpoint()?.Metadata.GetMetadata<TokenService.TokenServiceEndpoint>() is not { LogSuccesses: false })
            {
                log.Write(Line(context, facts, correlationId, duration, TimeSpan.FromTicks(Interlocked.Read(ref db.Value))));
            }
        }
    }

    private byte[] Line(HttpContext context, ApiLogFacts facts, string correlationId, TimeSpan duration, TimeSpan dbDuration)
    {
        var request = context.Request;
        var buffer = new ArrayBufferWriter<byte>(1024);
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteString("time", GitLabJson.FormatTime(clock.GetUtcNow().UtcDateTime));
            w.WriteString("severity", "INFO");
            w.WriteNumber("duration_s", Math.Round(duration.TotalSeconds, 5));
            w.WriteNumber("db_duration_s", Math.Round(dbDuration.TotalSeconds, 5));
            w.WriteNumber("view_duration_s", Math.Round(Math.Max(0, (duration - dbDuration).TotalSeconds), 5));
            w.WriteNumber("status", context.Response.StatusCode);
            w.WriteString("method", request.Method);
            w.WriteString("path", request.Path.Value);
            w.WriteStartArray("params");
            foreach (var (key, value) in Params(context))
            {
                w.WriteStartObject();
                w.WriteString("key", key);
                w.WriteString("value", IsSecret(key) ? "[FILTERED]" : value);
                w.WriteEndObject();
            }

            w.WriteEndArray();
            w.WriteString("host", request.Host.Host);
            var ip = Api.ClientAddress.Of(context)?.ToString();
            w.WriteString("remote_ip", ip);
            w.WriteString("ua", request.Headers.UserAgent.ToString());
            var route = Route(context);
            w.WriteString("route", route);
            if (facts.UserId is { } userId)
            {
                w.WriteNumber("user_id", userId);
                w.WriteString("username", facts.Username);
            }

            if (facts.TokenId is { } tokenId)
            {
                // GitLab's TokenLogger: the class name for every kind (personal, impersonation, project, group).
                w.WriteString("token_type", "PersonalAccessToken");
                w.WriteNumber("token_id", tokenId);
            }

            w.WriteString("correlation_id", correlationId);
            w.WriteString("meta.caller_id", route is null ? null : $"{request.Method} {route}");
            w.WriteString("meta.remote_ip", ip);
            w.WriteString("meta.feature_category", "system_access");
            if (facts.UserId is { } id)
            {
                w.WriteString("meta.user", facts.Username);
                w.WriteNumber("meta.user_id", id);
                w.WriteString("meta.client_id", $"user/{id}");
            }
            else
            {
                if (facts.AuthFailUser is { } owner)
                {
                    w.WriteString("meta.user", owner);
                }

                w.WriteString("meta.client_id", $"ip/{ip}");
            }

            WriteIfSet(w, "meta.auth_fail_reason", facts.AuthFailReason);
            WriteIfSet(w, "meta.auth_fail_token_id", facts.AuthFailTokenId);
            WriteIfSet(w, "meta.auth_fail_token_type", facts.AuthFailTokenType);
            WriteIfSet(w, "meta.auth_fail_auth_header_type", facts.AuthFailHeaderType);
            WriteIfSet(w, "meta.auth_fail_requested_scopes", facts.AuthFailRequestedScopes);
            w.WriteEndObject();
        }

        buffer.Write("\n"u8);
        return buffer.WrittenSpan.ToArray();
    }

    private static IEnumerable<(string Key, string Value)> Params(HttpContext context)
    {
        if (ApiParams.Peek(context) is { } parsed)
        {
            foreach (var (key, values) in parsed.All)
            {
                foreach (var v in values)
                {
                    yield return (key, v);
                }
            }

            yield break;
        }

        foreach (var (key, values) in context.Request.Query)
        {
            foreach (var v in values)
            {
                yield return (key, v ?? string.Empty);
            }
        }
    }

    private static bool IsSecret(string key) =>
        SecretWords.Any(word => key.Contains(word, StringComparison.OrdinalIgnoreCase));

    private static void WriteIfSet(Utf8JsonWriter w, string name, string? value)
    {
        if (value is not null)
        {
            w.WriteString(name, value);
        }
    }

    /// <summary>GitLab's route notation: <c>/api/:version/personal_access_tokens/:id</c>.</summary>
    private static string? Route(HttpContext context)
    {
        if (context.GetEndpoint() is not RouteEndpoint endpoint)
        {
            return null;
        }

        var parts = endpoint.RoutePattern.PathSegments.Select(segment => string.Concat(segment.Parts.Select(part => part switch
        {
            RoutePatternLiteralPart literal => literal.Content,
            RoutePatternParameterPart parameter => ":" + parameter.Name,
            RoutePatternSeparatorPart separator => separator.Content,
            _ => string.Empty,
        })));
        var route = "/" + string.Join('/', parts);
        return route.StartsWith("/api/v4", StringComparison.Ordinal) ? "/api/:version" + route["/api/v4".Length..] : route;
    }

    private static string CorrelationId(HttpContext context)
    {
        var given = context.Request.Headers["X-Request-Id"].ToString();
        if (given.Length is > 0 and <= 64 && given.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_'))
        {
            return given;
        }

        // Unique, not secret: a correlation id guards nothing. RandomNumberGenerator.GetString drew
        // each of the 26 characters from OpenSSL on its own, a measurable part of every request.
        return string.Create(26, 0, static (chars, _) => Random.Shared.GetItems(Crockford.AsSpan(), chars));
    }
}
