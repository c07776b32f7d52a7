using System.Net;
using System.Text.RegularExpressions;

namespace Tokenward.Tests.Infrastructure;

/// <summary>A browser without a browser: cookies kept, redirects not followed, forms posted with the page's antiforgery token.</summary>
public sealed partial class WebSession : IDisposable
{
    private readonly HttpClient _client;

    public WebSession(TestServer server)
    {
        Cookies = new CookieContainer();
        _client = new HttpClient(new HttpClientHandler { CookieContainer = Cookies, AllowAutoRedirect = false }) { BaseAddress = server.BaseAddress };
    }

    public CookieContainer Cookies { get; }

    public async Task<(HttpStatusCode Status, string Html, HttpResponseMessage Response)> GetAsync(string path)
    {
        var response = await _client.GetAsync(path);
        return (response.StatusCode, await response.Content.ReadAsStringAsync(), response);
    }

    /// <summary>Posts <paramref name="fields"/> to <paramref name="action"/> with the antiforgery token of the page at <paramref name="formPage"/>.</summary>
    public async Task<(HttpStatusCode Status, string Html, HttpResponseMessage Response)> PostAsync(string formPage, string action, IEnumerable<KeyValuePair<string, string>> fields, bool antiforgery = true)
    {
        var form = fields.ToList();
        if (antiforgery)
        {
            var (_, html, _) = await GetAsync(formPage);
            form.Add(new("authenticity_token", AntiforgeryToken(html)));
        }

        var response = await _client.PostAsync(action, new FormUrlEncodedContent(form));
        return (response.StatusCode, await response.Content.ReadAsStringAsync(), response);
    }

    public Task<HttpResponseMessage> SendAsync(HttpRequestMessage request) => _client.SendAsync(request);

    public Task<(HttpStatusCode Status, string Html, HttpResponseMessage Response)> SignInAsync(string login, string password) =>
        PostAsync("/users/sign_in", "/users/sign_in?handler=Password", [new("user[login]", login), new("user[password]", password)]);

    public Task<(HttpStatusCode Status, string Html, HttpResponseMessage Response)> SignInWithTokenAsync(string token) =>
        PostAsync("/users/sign_in", "/users/sign_in?handler=Token", [new("token", token)]);

    public static string AntiforgeryToken(string html) =>
        AntiforgeryField().Match(html) is { Success: true } m ? m.Groups[1].Value : throw new InvalidOperationException("the page has no antiforgery token");

    /// <summary>The value of the token shown once on the page.</summary>
    public static string? CreatedToken(string html) => CreatedField().Match(html) is { Success: true } m ? m.Groups[1].Value : null;

    public void Dispose() => _client.Dispose();

    [GeneratedRegex("name=\"authenticity_token\" type=\"hidden\" value=\"([^\"]+)\"")]
    private static partial Regex AntiforgeryField();

    [GeneratedRegex("id=\"created-token\" readonly value=\"([^\"]+)\"")]
    private static partial Regex CreatedField();
}
