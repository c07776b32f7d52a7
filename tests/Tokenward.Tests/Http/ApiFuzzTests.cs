using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using CsCheck;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Tokenward.Core.Validation;
using Tokenward.Storage;
using Tokenward.Tests.Infrastructure;
using Tokenward.Users;

namespace Tokenward.Tests.Http;

/// <summary>
/// The whole class of bad input, not examples of it: CsCheck generates requests to every
/// operation of the OpenAPI document, with malformed ids, parameters, bodies and headers, mostly
/// as root so they reach the handlers. Every answer must be below 500, without a stack trace,
/// and JSON where it says so; afterwards the server still answers, and nothing it stored breaks
/// GitLab's rules for stored strings. <c>TOKENWARD_FUZZ_ITER</c> and <c>TOKENWARD_FUZZ_SEED</c>
/// (CsCheck's seed, printed on failure) rerun it longer or exactly.
/// </summary>
public class ApiFuzzTests
{
    private static readonly long Iterations = long.TryParse(Environment.GetEnvironmentVariable("TOKENWARD_FUZZ_ITER"), out var n) ? n : 1000;

    private static readonly string? Seed = Environment.GetEnvironmentVariable("TOKENWARD_FUZZ_SEED") is { Length: > 0 } s ? s : null;

    /// <summary>Parameter names the API reads (they are not in the document: handlers read them from the query, form or JSON).</summary>
    private static readonly string[] ParameterNames =
    [
        "name", "scopes", "scopes[]", "expires_at", "description", "user_id", "search", "state", "revoked", "page", "per_page", "sudo",
        "access_level", "username", "email", "admin", "within", "on", "from", "top", "kind", "user", "group", "project", "scope",
        "include_blocked", "created_after", "created_before", "created_before", "last_used_after", "last_used_before", "entity_type",
        "entity_id", "parent_id", "namespace_id", "path", "max_personal_access_token_lifetime", "require_personal_access_token_expiry",
        "expiring_on", "dry_run", "show", "ignore_policy", "include_expired", "active", "blocked", "order_by", "sort", "private_token",
    ];

    /// <summary>Values that broke or could break parsers and databases.</summary>
    private static readonly string[] Interesting =
    [
        "", " ", "0", "-1", "1", "2", "99999999999999999999", "9223372036854775807", "-9223372036854775808", "1e309", "NaN", "0x10",
        "true", "false", "maybe", "null", "[]", "{}", "2026-06-01", "9999-12-31", "0001-01-01", "0000-00-00", "2026-02-30",
        "2026-06-01T10:00:00Z", "2026-06-01T25:00:00", "1y", "10000y", "0d", "-1d", "api", "read_api", "sudo", "admin_mode", "api,sudo",
        "%", "_", "%%", "\\", "'", "\"", "' OR 1=1 --", "\"; DROP TABLE users; --", "<script>alert(1)</script>", "../../etc/passwd",
        "\u0000", "a\u0000b", "\u0007", "\u001b[31m", "\r\n", "\ud800", "\udfff", "\ufffd", "\u202e", "\uffff", "😀", "𝔘𝔫𝔦",
        "Ω≈ç√∫", "root", "ROOT", "@root", "glpat-", "glpat-aaaaaaaaaaaaaaaaaaaa", "*", "1,2,3", "[1,2]", "a[b]=c",
        "personal", "project", "group", "impersonation", "User", "Project", "Group", "Instance", "10", "20", "30", "40", "50",
    ];

    private static readonly string[] ContentTypes =
    [
        "application/json", "application/json; charset=utf-16", "application/x-www-form-urlencoded", "multipart/form-data",
        "multipart/form-data; boundary=", "multipart/form-data; boundary=zz", "text/plain", "application/xml", "application/octet-stream", "*/*", ";;;",
    ];

    private sealed record Operation(string Method, string Template, string[] PathParameters)
    {
        public override string ToString() => $"{Method} {Template}";
    }

    /// <summary>One generated request; printed on failure (after CsCheck shrinks it).</summary>
    private sealed record FuzzRequest(Operation Operation, string[] PathValues, (string Key, string Value)[] Query, string BodyKind, (string Key, string Value)[] Fields, byte[] Raw, string? ContentType, string Token, string? Sudo, string? IfUnmodifiedSince)
    {
        public string Path()
        {
            var path = Operation.Template;
            for (var i = 0; i < Operation.PathParameters.Length; i++)
            {
                path = path.Replace("{" + Operation.PathParameters[i] + "}", Escape(PathValues[i]), StringComparison.Ordinal);
            }

            return Query.Length == 0 ? path : path + "?" + string.Join('&', Query.Select(q => Escape(q.Key) + "=" + Escape(q.Value)));
        }

        /// <summary>Percent-encoded UTF-8; a lone surrogate (which has no UTF-8) as U+FFFD's bytes.</summary>
        public static string Escape(string value) => Uri.EscapeDataString(Encoding.UTF8.GetString(Encoding.UTF8.GetBytes(value)));

        public override string ToString() =>
            $"{Operation.Method} {Path()} body={BodyKind} fields=[{string.Join(", ", Fields.Select(f => $"{f.Key}={JsonSerializer.Serialize(f.Value)}"))}] raw={Raw.Length}B content-type={ContentType} token={Token} sudo={Sudo} if-unmodified-since={IfUnmodifiedSince}";
    }

    private static Gen<string> Value { get; } = Gen.Frequency(
        (5, Gen.OneOf(Interesting)),
        (2, Gen.String[0, 30]),
        (1, Gen.Int.Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture))),
        (1, Gen.Int[250, 3000].Select(length => new string('x', length))));

    private static Gen<string> PathValue { get; } = Gen.Frequency(
        (6, Gen.Int[2, 40].Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture))),
        (1, Gen.OneOf("root", "team", "team/app", "team%2Fapp", "0", "-5", "99999999999999999999", "1.5", "self", "..", "%00", "127.0.0.1", "::1", "not an ip")),
        (1, Gen.String[1, 20]));

    private static Gen<FuzzRequest> Requests(IReadOnlyList<Operation> operations) =>
        from operation in Gen.OneOf(operations.ToArray())
        from pathValues in PathValue.Array[operation.PathParameters.Length]
        from query in Gen.Select(Gen.OneOf(ParameterNames), Value).Array[0, 4]
        from bodyKind in Gen.OneOf("none", "json", "form", "raw", "multipart")
        from skeleton in Gen.Frequency((1, Gen.Const(false)), (2, Gen.Const(true)))
        from serial in Gen.Int[1, 1_000_000]
        from generated in Gen.Select(Gen.OneOf(ParameterNames), Value).Array[0, 4]
        let fields = skeleton ? [.. Skeleton(serial), .. generated] : generated
        from raw in Gen.Byte.Array[0, 64]
        from contentType in Gen.Frequency((4, Gen.Const((string?)null)), (1, Gen.OneOf(ContentTypes).Select(c => (string?)c)))
        from token in Gen.Frequency((12, Gen.Const(TestServer.RootToken)), (1, Gen.Const(string.Empty)), (1, Value))
        from sudo in Gen.Frequency((8, Gen.Const((string?)null)), (1, Value.Select(v => (string?)v)))
        from ifUnmodified in Gen.Frequency((8, Gen.Const((string?)null)), (1, Value.Select(v => (string?)v)))
        select new FuzzRequest(operation, pathValues, query, bodyKind, fields, raw, contentType, token, sudo, ifUnmodified);

    /// <summary>
    /// Fields that make a creation valid, which the generated ones then override (the last value
    /// of a name wins): so creations get past "name is missing" to the rules on each value.
    /// </summary>
    private static (string Key, string Value)[] Skeleton(int serial) =>
    [
        ("name", $"fuzz {serial}"), ("path", $"fuzz{serial}"), ("username", $"fuzz{serial}"), ("email", $"fuzz{serial}@example.com"),
        ("scopes", "api"), ("expires_at", "2026-12-01"), ("access_level", "30"), ("user_id", "3"),
    ];

    [Theory]
    [MemberData(nameof(Engines.Both), MemberType = typeof(Engines))]
    public async Task No_generated_request_to_any_endpoint_gets_a_500_or_stores_what_gitlab_would_refuse(DatabaseEngine engine)
    {
        await using var server = await TestServer.StartAsync(engine);
        await SeedAsync(server);
        var operations = await OperationsAsync(server);
        Assert.True(operations.Count > 50, $"only {operations.Count} operations in the OpenAPI document");

        var answered = new System.Collections.Concurrent.ConcurrentDictionary<int, int>();
        var root = TestServer.RootToken;
        await Requests(operations).SampleAsync(
            async request =>
            {
                using var message = await BuildAsync(server, request, root);
                using var response = await server.Client.SendAsync(message);
                var status = (int)response.StatusCode;
                if (status < 300 && request.Operation.Method != "GET" && request.Token == TestServer.RootToken)
                {
                    // A generated request may rightly revoke root's token or block root (an id that came out as 1): restore both.
                    root = await EnsureRootAsync(server, root);
                }

                answered.AddOrUpdate(status, 1, (_, c) => c + 1);
                if (Environment.GetEnvironmentVariable("TOKENWARD_FUZZ_TRACE") is { Length: > 0 } trace)
                {
                    await File.AppendAllTextAsync(trace, $"{status} {request}\n", Encoding.UTF8);
                }

                var body = await response.Content.ReadAsStringAsync();
                Assert.True(status < 500, $"{status} for {request}: {body}");
                Assert.DoesNotContain("   at ", body, StringComparison.Ordinal);
                Assert.DoesNotContain("Exception", body, StringComparison.Ordinal);
                if (body.Length > 0 && response.Content.Headers.ContentType?.MediaType == "application/json")
                {
                    _ = JsonNode.Parse(body);
                }
            },
            seed: Seed,
            iter: Iterations,
            threads: 1,
            print: r => r.ToString());

        // Most requests must have reached a handler, or the test proves nothing.
        Assert.True(answered.Where(kv => kv.Key is >= 200 and < 300).Sum(kv => kv.Value) > Iterations / 10, string.Join(", ", answered.OrderBy(kv => kv.Key).Select(kv => $"{kv.Key}: {kv.Value}")));
        await Expect.StatusAsync(await server.GetAsync("/-/health", token: null), 200);
        await Expect.StatusAsync(await server.GetAsync("/api/v4/user", await EnsureRootAsync(server, root)), 200);
        await AssertStoredStringsKeepTheRulesAsync(server);
    }

    /// <summary>Some users, groups, projects and tokens for the ids the generator picks (2 to 40).</summary>
    private static async Task SeedAsync(TestServer server)
    {
        for (var i = 0; i < 4; i++)
        {
            var user = await server.CreateUserAsync($"user{i}");
            await server.CreateTokenAsync(user, ["api"], "2026-12-01");
        }

        foreach (var name in new[] { "team", "ops", "lab" })
        {
            var group = await TestServer.Json(await server.PostFormAsync("/api/v4/groups", new Dictionary<string, string> { ["name"] = name, ["path"] = name }));
            var project = await TestServer.Json(await server.PostFormAsync("/api/v4/projects", new Dictionary<string, string> { ["name"] = "app", ["path"] = "app", ["namespace_id"] = group["id"]!.ToString() }));
            await Expect.StatusAsync(await server.PostJsonAsync($"/api/v4/projects/{project["id"]}/access_tokens", new { name = "bot", scopes = new[] { "api" }, expires_at = "2026-12-01" }), 201);
            await Expect.StatusAsync(await server.PostJsonAsync($"/api/v4/groups/{group["id"]}/access_tokens", new { name = "gbot", scopes = new[] { "api" }, expires_at = "2026-12-01" }), 201);
        }
    }

    private static async Task<List<Operation>> OperationsAsync(TestServer server)
    {
        var document = await TestServer.Json(await server.GetAsync("/api/v4/openapi.json", token: null));
        var operations = new List<Operation>();
        foreach (var (template, methods) in document["paths"]!.AsObject())
        {
            foreach (var (method, operation) in methods!.AsObject())
            {
                var pathParameters = (operation!["parameters"]?.AsArray() ?? [])
                    .Where(p => (string?)p!["in"] == "path").Select(p => (string)p!["name"]!).ToArray();
                operations.Add(new Operation(method.ToUpperInvariant(), template, pathParameters));
            }
        }

        return operations;
    }

    /// <summary>Root, active and with a working token: <paramref name="token"/> if it still works, else a new one.</summary>
    private static async Task<string> EnsureRootAsync(TestServer server, string token)
    {
        if ((await server.GetAsync("/api/v4/user", token)).IsSuccessStatusCode)
        {
            return token;
        }

        await using var scope = server.Services.CreateAsyncScope();
        var services = scope.ServiceProvider;
        await services.GetRequiredService<TokenwardDb>().Users.Where(u => u.Id == 1)
            .ExecuteUpdateAsync(u => u.SetProperty(x => x.State, "active").SetProperty(x => x.Admin, true));
        services.GetRequiredService<Tokenward.Authentication.AuthCache>().Clear();
        return await MintRootTokenAsync(server);
    }

    /// <summary>A new token of root's, made in the process rather than through an API that root may have just lost.</summary>
    private static async Task<string> MintRootTokenAsync(TestServer server)
    {
        await using var scope = server.Services.CreateAsyncScope();
        var services = scope.ServiceProvider;
        services.GetRequiredService<Tokenward.Audit.ActorContext>().Current = Tokenward.Audit.Actor.System("fuzz test");
        var value = "fuzz-root-" + Guid.NewGuid().ToString("N");
        await services.GetRequiredService<Tokenward.PersonalAccessTokens.PersonalAccessTokenService>().CreateAsync(
            new Tokenward.PersonalAccessTokens.NewToken(1, "fuzz root", ["api", "sudo", "admin_mode"], ExplicitValue: value), CancellationToken.None);
        return value;
    }

    private static async Task<HttpRequestMessage> BuildAsync(TestServer server, FuzzRequest r, string root)
    {
        var token = r.Token == TestServer.RootToken ? root : r.Token;
        if (token == root && r.Operation.Template.Contains("/self", StringComparison.Ordinal))
        {
            // Root's own token must outlive a generated self-revocation or self-rotation: those get a fresh one of root's.
            token = await MintRootTokenAsync(server);
        }

        var message = new HttpRequestMessage(new HttpMethod(r.Operation.Method), r.Path());
        if (token.Length > 0)
        {
            message.Headers.TryAddWithoutValidation("PRIVATE-TOKEN", Ascii(token));
        }

        if (r.Sudo is { } sudo)
        {
            message.Headers.TryAddWithoutValidation("Sudo", Ascii(sudo));
        }

        if (r.IfUnmodifiedSince is { } since)
        {
            message.Headers.TryAddWithoutValidation("If-Unmodified-Since", Ascii(since));
        }

        message.Content = r.BodyKind switch
        {
            "json" => new StringContent(Json(r.Fields), Encoding.UTF8, "application/json"),
            "form" => new StringContent(string.Join('&', r.Fields.Select(f => FuzzRequest.Escape(f.Key) + "=" + FuzzRequest.Escape(f.Value))), Encoding.UTF8, "application/x-www-form-urlencoded"),
            "raw" => new ByteArrayContent(r.Raw),
            "multipart" => Multipart(r.Fields),
            _ => null,
        };
        if (message.Content is not null && r.ContentType is { } type)
        {
            message.Content.Headers.Remove("Content-Type");
            message.Content.Headers.TryAddWithoutValidation("Content-Type", type);
        }

        return message;
    }

    /// <summary>A header value HTTP can carry: printable ASCII (HttpClient sends nothing else, and Kestrel would refuse it).</summary>
    private static string Ascii(string value) => new(value.Select(c => c is >= ' ' and <= '~' ? c : '?').ToArray());

    /// <summary>Fields as a JSON object, a value now and then as a number, a list or an object, as clients send them.</summary>
    private static string Json((string Key, string Value)[] fields)
    {
        var o = new JsonObject();
        foreach (var (key, value) in fields)
        {
            o[key] = (value.Length % 4) switch
            {
                0 when long.TryParse(value, out var n) => n,
                1 => new JsonArray(value, value),
                2 when value.Length < 10 => new JsonObject { ["v"] = value },
                _ => value,
            };
        }

        return o.ToJsonString(new JsonSerializerOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
    }

    private static MultipartFormDataContent Multipart((string Key, string Value)[] fields)
    {
        var content = new MultipartFormDataContent();
        foreach (var (key, value) in fields)
        {
            content.Add(new StringContent(value), key);
        }

        return content;
    }

    private static async Task AssertStoredStringsKeepTheRulesAsync(TestServer server)
    {
        await using var scope = server.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<TokenwardDb>();
        foreach (var u in await db.Users.AsNoTracking().ToListAsync())
        {
            Assert.True(TextRules.Line(u.Name) is null, $"user {u.Id} name {JsonSerializer.Serialize(u.Name)}");
            Assert.True(TextRules.Email(u.Email) is null, $"user {u.Id} email {JsonSerializer.Serialize(u.Email)}");
            Assert.True(UsernameRules.IsValid(u.Username), $"user {u.Id} username {JsonSerializer.Serialize(u.Username)}");
        }

        foreach (var t in await db.PersonalAccessTokens.AsNoTracking().ToListAsync())
        {
            Assert.True(TextRules.Line(t.Name) is null, $"token {t.Id} name {JsonSerializer.Serialize(t.Name)}");
            Assert.True(t.Description is null || TextRules.Text(t.Description, TextRules.MaxTokenDescriptionLength) is null, $"token {t.Id} description {JsonSerializer.Serialize(t.Description)}");
        }

        foreach (var n in await db.Namespaces.AsNoTracking().Where(n => n.Type == Namespace.GroupType).ToListAsync())
        {
            Assert.True(TextRules.GroupName(n.Name) is null, $"group {n.Id} name {JsonSerializer.Serialize(n.Name)}");
            Assert.True(Members.ResourceNames.IsValidPath(n.Path), $"group {n.Id} path {JsonSerializer.Serialize(n.Path)}");
        }

        foreach (var p in await db.Projects.AsNoTracking().ToListAsync())
        {
            Assert.True(TextRules.ProjectName(p.Name) is null, $"project {p.Id} name {JsonSerializer.Serialize(p.Name)}");
            Assert.True(Members.ResourceNames.IsValidPath(p.Path), $"project {p.Id} path {JsonSerializer.Serialize(p.Path)}");
        }
    }
}
