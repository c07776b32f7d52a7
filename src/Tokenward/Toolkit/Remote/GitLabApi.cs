using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Runtime.CompilerServices;
using System.Text.Json;

namespace Tokenward.Toolkit.Remote;

/// <summary>
/// A GitLab-compatible REST API (a GitLab instance or a Tokenward) as an admin reaches it: pages
/// followed to the end, rate limits waited out, server errors retried. Only requests the server
/// did not act on are repeated: reads on any failure, writes only on 429.
/// </summary>
public sealed class GitLabApi(HttpClient http, TextWriter? notices = null, TimeProvider? clock = null) : IDisposable
{
    public const int PerPage = 100;

    /// <summary>Attempts per request, the first included.</summary>
    public int MaxAttempts { get; init; } = 5;

    /// <summary>The first wait after a server error; it doubles each time.</summary>
    public TimeSpan Backoff { get; init; } = TimeSpan.FromMilliseconds(500);

    /// <summary>The longest wait a <c>Retry-After</c> may ask for.</summary>
    public TimeSpan MaxWait { get; init; } = TimeSpan.FromSeconds(60);

    public Uri BaseAddress => http.BaseAddress!;

    private TimeProvider Clock => clock ?? TimeProvider.System;

    /// <summary>Every item of every page of a list endpoint.</summary>
    public async IAsyncEnumerable<JsonElement> ListAsync(string path, [EnumeratorCancellation] CancellationToken ct)
    {
        var separator = path.Contains('?', StringComparison.Ordinal) ? '&' : '?';
        var page = 1;
        while (true)
        {
            using var response = await SendAsync(HttpMethod.Get, string.Create(CultureInfo.InvariantCulture, $"{path}{separator}per_page={PerPage}&page={page}"), ct);
            await EnsureOkAsync(response, path, ct);
            using var body = await JsonDocument.ParseAsync(await response.Content.ReadAsStreamAsync(ct), cancellationToken: ct);
            if (body.RootElement.ValueKind != JsonValueKind.Array)
            {
                throw new ToolkitException($"{path} did not answer with a list");
            }

            var count = 0;
            foreach (var item in body.RootElement.EnumerateArray())
            {
                count++;
                yield return item.Clone();
            }

            // x-next-page is empty on the last page; without the header, an empty or short page ends the list.
            var next = response.Headers.TryGetValues("x-next-page", out var values) ? values.FirstOrDefault() : null;
            if (next is null ? count < PerPage : !int.TryParse(next, NumberStyles.None, CultureInfo.InvariantCulture, out page))
            {
                yield break;
            }

            if (next is null)
            {
                page++;
            }
        }
    }

    /// <summary>One object, or null when the server says 404.</summary>
    public async Task<JsonElement?> GetAsync(string path, CancellationToken ct)
    {
        using var response = await SendAsync(HttpMethod.Get, path, ct);
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }

        await EnsureOkAsync(response, path, ct);
        using var body = await JsonDocument.ParseAsync(await response.Content.ReadAsStreamAsync(ct), cancellationToken: ct);
        return body.RootElement.Clone();
    }

    /// <summary>A write: its JSON answer (empty for 204).</summary>
    /// <exception cref="ToolkitException">with the server's message when it refuses.</exception>
    public async Task<JsonElement?> WriteAsync(HttpMethod method, string path, CancellationToken ct)
    {
        using var response = await SendAsync(method, path, ct);
        await EnsureOkAsync(response, path, ct);
        if (response.StatusCode == HttpStatusCode.NoContent)
        {
            return null;
        }

        using var body = await JsonDocument.ParseAsync(await response.Content.ReadAsStreamAsync(ct), cancellationToken: ct);
        return body.RootElement.Clone();
    }

    private async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, CancellationToken ct)
    {
        var read = method == HttpMethod.Get;
        for (var attempt = 1; ; attempt++)
        {
            HttpResponseMessage response;
            try
            {
                response = await http.SendAsync(new HttpRequestMessage(method, new Uri(path, UriKind.Relative)), ct);
            }
            catch (Exception e) when (read && attempt < MaxAttempts && e is HttpRequestException or TaskCanceledException && !ct.IsCancellationRequested)
            {
                await WaitAsync(Backoff * (1 << (attempt - 1)), $"{method} {path} failed ({e.Message})", ct);
                continue;
            }

            var status = (int)response.StatusCode;
            var retryable = status == 429 || (read && status >= 500);
            if (!retryable || attempt >= MaxAttempts)
            {
                return response;
            }

            var wait = status == 429 ? RetryAfter(response.Headers) ?? Backoff * (1 << (attempt - 1)) : Backoff * (1 << (attempt - 1));
            response.Dispose();
            await WaitAsync(wait, $"{method} {path} answered {status}", ct);
        }
    }

    private TimeSpan? RetryAfter(HttpResponseHeaders headers)
    {
        var wait = headers.RetryAfter?.Delta
            ?? (headers.RetryAfter?.Date is { } date ? date - Clock.GetUtcNow() : null);
        return wait is { } w ? (w < TimeSpan.Zero ? TimeSpan.Zero : w > MaxWait ? MaxWait : w) : null;
    }

    private async Task WaitAsync(TimeSpan wait, string why, CancellationToken ct)
    {
        if (notices is not null)
        {
            await notices.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"tokenward: {why}; retrying in {wait.TotalSeconds:0.#} s"));
        }

        await Task.Delay(wait, Clock, ct);
    }

    private static async Task EnsureOkAsync(HttpResponseMessage response, string path, CancellationToken ct)
    {
        if (response.IsSuccessStatusCode)
        {
            return;
        }

        var body = await response.Content.ReadAsStringAsync(ct);
        var detail = body.Length > 300 ? body[..300] + "…" : body;
        throw (int)response.StatusCode switch
        {
            401 => new ToolkitException($"the server refused the token (401 Unauthorized) on {path}: check --token or TOKENWARD_TOKEN; {detail}"),
            403 => new ToolkitException($"the token may not do this (403 Forbidden) on {path}: an administrator's token with the api scope is needed; {detail}"),
            404 => new ToolkitException($"{path}: 404 Not Found ({detail})", notFound: true),
            429 => new ToolkitException($"the server kept rate-limiting {path} (429 Too Many Requests); try again later"),
            >= 500 => new ToolkitException($"the server failed on {path} ({(int)response.StatusCode}) after retries; {detail}"),
            _ => new ToolkitException($"the server refused {path} ({(int)response.StatusCode}): {detail}"),
        };
    }

    public void Dispose() => http.Dispose();
}
