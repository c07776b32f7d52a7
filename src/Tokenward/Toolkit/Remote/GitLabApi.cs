using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Microsoft.Extensions.Http.Resilience;
using Polly;

namespace Tokenward.Toolkit.Remote;

/// <summary>
/// A GitLab-compatible REST API (a GitLab instance or a Tokenward) as an admin reaches it: pages
/// followed to the end, rate limits waited out, server errors retried. Only requests the server
/// did not act on are repeated: reads on any failure, writes only on 429.
/// </summary>
public sealed class GitLabApi : IDisposable
{
    private readonly HttpClient _http;
    private readonly TextWriter? _notices;
    private readonly TimeProvider? _clock;

    public GitLabApi(HttpClient http, TextWriter? notices = null, TimeProvider? clock = null)
    {
        (_http, _notices, _clock) = (http, notices, clock);
        _reads = new(() => Pipeline(read: true));
        _writes = new(() => Pipeline(read: false));
    }

    public const int PerPage = 100;

    /// <summary>Attempts per request, the first included.</summary>
    public int MaxAttempts { get; init; } = 5;

    /// <summary>The first wait after a server error; it doubles each time.</summary>
    public TimeSpan Backoff { get; init; } = TimeSpan.FromMilliseconds(500);

    /// <summary>The longest wait a <c>Retry-After</c> may ask for.</summary>
    public TimeSpan MaxWait { get; init; } = TimeSpan.FromSeconds(60);

    public Uri BaseAddress => _http.BaseAddress!;

    private static readonly ResiliencePropertyKey<string> Request = new("tokenward.request");

    // Built on first use, after the init-only settings are in.
    private readonly Lazy<ResiliencePipeline<HttpResponseMessage>> _reads;
    private readonly Lazy<ResiliencePipeline<HttpResponseMessage>> _writes;

    private TimeProvider Clock => _clock ?? TimeProvider.System;

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
    public Task<JsonElement?> WriteAsync(HttpMethod method, string path, CancellationToken ct) => WriteAsync(method, path, null, ct);

    /// <summary>A write with a form body (kept out of the URL, so out of access logs: a token value).</summary>
    /// <exception cref="ToolkitException">with the server's message when it refuses.</exception>
    public async Task<JsonElement?> WriteAsync(HttpMethod method, string path, IReadOnlyDictionary<string, string>? form, CancellationToken ct)
    {
        using var response = await SendAsync(method, path, form, ct);
        await EnsureOkAsync(response, path, ct);
        if (response.StatusCode == HttpStatusCode.NoContent)
        {
            return null;
        }

        using var body = await JsonDocument.ParseAsync(await response.Content.ReadAsStreamAsync(ct), cancellationToken: ct);
        return body.RootElement.Clone();
    }

    private Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, CancellationToken ct) => SendAsync(method, path, null, ct);

    private async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, IReadOnlyDictionary<string, string>? form, CancellationToken ct)
    {
        var context = ResilienceContextPool.Shared.Get(ct);
        context.Properties.Set(Request, $"{method} {path}");
        try
        {
            // A new message (and body) per attempt: a sent one cannot be sent again.
            return await (method == HttpMethod.Get ? _reads.Value : _writes.Value).ExecuteAsync(
                static async (ctx, state) => await state.http.SendAsync(
                    new HttpRequestMessage(state.method, new Uri(state.path, UriKind.Relative)) { Content = state.form is null ? null : new FormUrlEncodedContent(state.form) },
                    ctx.CancellationToken),
                context,
                (http: _http, method, path, form));
        }
        finally
        {
            ResilienceContextPool.Shared.Return(context);
        }
    }

    /// <summary>
    /// Polly's retry, as the webhooks use it: exponential waits from <see cref="Backoff"/>, a 429's
    /// <c>Retry-After</c> honoured up to <see cref="MaxWait"/>, each wait announced.
    /// </summary>
    /// <param name="read">Whether the request is a read, which the server did not act on whatever happened.</param>
    private ResiliencePipeline<HttpResponseMessage> Pipeline(bool read) => MaxAttempts <= 1 ? ResiliencePipeline<HttpResponseMessage>.Empty : new ResiliencePipelineBuilder<HttpResponseMessage> { TimeProvider = Clock }
        .AddRetry(new HttpRetryStrategyOptions
        {
            MaxRetryAttempts = MaxAttempts - 1,
            BackoffType = DelayBackoffType.Exponential,
            Delay = Backoff,
            UseJitter = false,
            ShouldRetryAfterHeader = false,
            ShouldHandle = args => ValueTask.FromResult(args.Outcome switch
            {
                { Exception: HttpRequestException or TaskCanceledException } => read && !args.Context.CancellationToken.IsCancellationRequested,
                { Result: { } response } => (int)response.StatusCode == 429 || (read && (int)response.StatusCode >= 500),
                _ => false,
            }),
            DelayGenerator = args => ValueTask.FromResult(args.Outcome.Result is { StatusCode: HttpStatusCode.TooManyRequests } limited ? RetryAfter(limited.Headers) : null),
            OnRetry = async args =>
            {
                var request = args.Context.Properties.GetValue(Request, "request");
                var why = args.Outcome.Exception is { } e ? $"{request} failed ({e.Message})" : $"{request} answered {(int)args.Outcome.Result!.StatusCode}";
                args.Outcome.Result?.Dispose();
                if (_notices is not null)
                {
                    await _notices.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"tokenward: {why}; retrying in {args.RetryDelay.TotalSeconds:0.#} s"));
                }
            },
        })
        .Build();

    private TimeSpan? RetryAfter(HttpResponseHeaders headers)
    {
        var wait = headers.RetryAfter?.Delta
            ?? (headers.RetryAfter?.Date is { } date ? date - Clock.GetUtcNow() : null);
        return wait is { } w ? (w < TimeSpan.Zero ? TimeSpan.Zero : w > MaxWait ? MaxWait : w) : null;
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

    public void Dispose() => _http.Dispose();
}
