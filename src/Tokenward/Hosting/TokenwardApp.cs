using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.Extensions.Http.Resilience;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using Polly;
using Tokenward.Api;
using Tokenward.ApiLog;
using Tokenward.Authentication;
using Tokenward.PersonalAccessTokens;
using Tokenward.Storage;
using Tokenward.Storage.Migrations;
using Tokenward.Users;

namespace Tokenward.Hosting;

/// <summary>Builds the HTTP service: storage, token rules, the API and its request log.</summary>
public static class TokenwardApp
{
    /// <summary>Services every entry point (server and CLI) shares.</summary>
    /// <param name="createSecret">Whether a missing instance secret may be made (<c>serve</c>, <c>init</c>); see <see cref="InstanceSecret.Load"/>.</param>
    public static IServiceCollection AddTokenwardCore(this IServiceCollection services, TokenwardSettings settings, TimeProvider clock, bool createSecret = true)
    {
        services.AddSingleton(settings);
        services.AddSingleton(clock);
        services.AddSingleton(new TokenFormat(settings.TokenPrefix));
        services.AddSingleton(new TokenDigester(InstanceSecret.Load(settings, createSecret)));
        services.AddDbContextPool<TokenwardDb>(o => TokenwardDb.Configure(o, settings.Database));
        services.AddSingleton<Cluster.RedisLink>();
        services.AddSingleton<Cluster.NodeBus>();
        services.AddSingleton<AuthCache>();
        services.AddSingleton<StartupGate>();
        services.AddSingleton(sp => new ExternalUrl(settings, sp.GetService<Microsoft.AspNetCore.Hosting.Server.IServer>()));
        services.AddScoped<PersonalAccessTokenService>();
        services.AddScoped<Audit.AuditLog>();
        services.AddScoped<Audit.ActorContext>();
        services.AddScoped<Lifecycle.ExpiryBackfill>();
        services.AddScoped<Settings.ApplicationSettings>();
        services.AddScoped<Members.Access>();
        services.AddScoped<Notifications.ExpiryNotifier>();
        services.AddScoped<Notifications.CliffNotices>();
        services.AddSingleton<Notifications.NoticeNudge>();
        services.AddScoped<TokenService.LeakReports>();
        services.AddScoped<Notifications.DeliveryLedger>();
        services.AddScoped<Notifications.EmailSender>();
        services.AddScoped<Notifications.WebhookSender>();
        services.AddHttpClient(Notifications.WebhookSender.ClientName, c => c.Timeout = Timeout.InfiniteTimeSpan)
            .AddResilienceHandler("webhook", builder =>
            {
                // Network time, not the instance's clock (which tests fake): a retry waits for real.
                builder.TimeProvider = TimeProvider.System;
                // The standard order: a total timeout, the retry, the circuit, and a timeout per attempt
                // inside the circuit, so a URL that never answers counts as failing and gets cut off.
                builder.AddTimeout(settings.Notifications.Timeout * 3);
                builder.AddRetry(new HttpRetryStrategyOptions { MaxRetryAttempts = 1, Delay = TimeSpan.FromMilliseconds(200) });
                builder.AddCircuitBreaker(new HttpCircuitBreakerStrategyOptions
                {
                    FailureRatio = 1.0,
                    MinimumThroughput = 5,
                    SamplingDuration = TimeSpan.FromSeconds(60),
                    BreakDuration = settings.Notifications.CircuitBreak,
                });
                builder.AddTimeout(settings.Notifications.Timeout);
            })
            // A circuit per URL: two hooks on one host fail apart. The key shows in Polly's logs and
            // metrics, and a hook URL carries its secret: a hash of it, never the URL.
            .SelectPipelineBy(_ => request => Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(
                System.Text.Encoding.UTF8.GetBytes(request.RequestUri?.AbsoluteUri ?? string.Empty)).AsSpan(0, 8)));
        services.AddSingleton<Audit.AuditShipper>();
        services.AddScoped<ResourceAccessTokens.ResourceAccessTokenService>();
        services.AddScoped<ResourceAccessTokens.BotTokens>();
        services.AddScoped<TokenService.TokenByValue>();
        services.AddSingleton<TokenAuthenticator>();
        services.AddSingleton<Toolkit.TokenInventory>();
        services.AddScoped<Toolkit.TokenRows>();
        services.AddScoped<Toolkit.TokenChanges>();
        services.AddScoped<Toolkit.PolicyPreview>();
        return services;
    }

    public static WebApplication Build(TokenwardSettings settings, TimeProvider clock, string[]? urls = null, Action<ILoggingBuilder>? logging = null)
    {
        // No scheme is the default, even the only one: a default would authenticate every path
        // (health, unknown routes) and count their tokens towards the ban. The policies name theirs.
        AppContext.SetSwitch("Microsoft.AspNetCore.Authentication.SuppressAutoDefaultScheme", true);
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [], ApplicationName = "tokenward" });
        // Within the CLI's 30 s for a stop, so what a stop records is recorded before the process ends.
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(25));
        if (urls is { Length: > 0 })
        {
            builder.WebHost.UseUrls(urls);
        }

        // Which server software answers is nobody's business.
        builder.WebHost.ConfigureKestrel(k => k.AddServerHeader = false);

        // Per-command SQL logging would drown the service's own lines.
        builder.Logging.AddFilter("Microsoft.EntityFrameworkCore", LogLevel.Warning);
        // Requests are logged once, in api_json.log; ASP.NET's own per-request lines would repeat them.
        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        // ASP.NET Core's handler base logs every refused token at Information: a guessing client
        // would fill the service log. Refusals are logged once, with their reason, in api_json.log.
        builder.Logging.AddFilter(typeof(TokenAuthenticationHandler).FullName, LogLevel.Warning);
        // It warns that the session keys are kept unencrypted: they sit beside secrets.json, which is too, both owner-only.
        builder.Logging.AddFilter("Microsoft.AspNetCore.DataProtection", LogLevel.Error);
        logging?.Invoke(builder.Logging);
        builder.Services.AddTokenwardCore(settings, clock);
        builder.Services.AddSingleton<DatabaseOutageLog>();
        builder.Services.AddSingleton<AuthBans.FailedAuthBans>();
        builder.Services.AddSingleton<TokenCheck>();
        // GitLab's tokens are one scheme among others (a UI's cookie can sit beside it); the
        // endpoints' ApiAccess policies name it, so no default scheme authenticates other paths.
        builder.Services.AddAuthentication().AddScheme<AuthenticationSchemeOptions, TokenAuthenticationHandler>(TokenAuthenticationDefaults.Scheme, null);
        builder.Services.AddAuthorization();
        Web.WebUi.AddWebUi(builder.Services, settings);
        builder.Services.AddSingleton<IAuthorizationHandler, ApiAccessAuthorizationHandler>();
        builder.Services.AddSingleton<IAuthorizationMiddlewareResultHandler, ApiAuthorizationResultHandler>();
        builder.Services.Configure<ForwardedHeadersOptions>(o =>
        {
            // Only the configured proxies may say who the client is, and that it came over HTTPS
            // (which marks the UI's cookies Secure behind a TLS proxy); by default nobody may.
            o.ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto;
            o.KnownProxies.Clear();
            o.KnownIPNetworks.Clear();
            foreach (var network in settings.TrustedProxies)
            {
                o.KnownIPNetworks.Add(network);
            }
        });
        builder.Services.AddSingleton(sp => new ApiJsonLog(settings.LogDir, clock, sp.GetRequiredService<ILogger<ApiJsonLog>>()));
        builder.Services.AddHostedService(sp => sp.GetRequiredService<ApiJsonLog>());
        builder.Services.AddHostedService<Audit.AuditShippingService>();
        builder.Services.AddHostedService<Cluster.NodeBusListener>();
        builder.Services.AddSingleton<Metrics.TokenGauges>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<Metrics.TokenGauges>());
        builder.Services.AddOpenTelemetry().ConfigureResource(r => r.AddService("tokenward")).WithMetrics(metrics => metrics
            // Ours, ASP.NET Core's request durations (by route and status), and Npgsql's connection pool.
            .AddMeter(Metrics.TokenwardMetrics.MeterName, "Microsoft.AspNetCore.Hosting", "Npgsql")
            .AddPrometheusExporter());
        if (settings.Notifications.AnyChannel && settings.Notifications.Interval > TimeSpan.Zero)
        {
            builder.Services.AddHostedService<Notifications.ExpiryNotificationService>();
        }
        builder.Services.ConfigureHttpJsonOptions(o => GitLabJson.Configure(o.SerializerOptions));
        builder.Services.AddOpenApi("v4", o => o.AddDocumentTransformer((document, context, _) =>
        {
            // The framework would fill "servers" from the request's Host: a forged one would send
            // the tokens of clients generated from the document elsewhere.
            document.Servers = [new() { Url = context.ApplicationServices.GetRequiredService<ExternalUrl>().Base + "/" }];
            return Task.CompletedTask;
        }));

        var app = builder.Build();
        // Routing placed by hand, after the UI's path rewrites; the rest is as WebApplication orders it.
        Web.WebUi.UseWebUiRewrites(app);
        app.UseRouting();
        app.UseMiddleware<ResponseHeaders>();
        var gate = app.Services.GetRequiredService<StartupGate>();
        app.Use(gate.InvokeAsync);
        if (settings.TrustedProxies.Count > 0)
        {
            app.UseForwardedHeaders();
        }
        // The API, and the token service other software calls, which answers as the API does.
        app.UseWhen(c => TokenService.TokenServiceEndpoint.AnswersAsApi(c.Request.Path), api =>
        {
            api.UseMiddleware<ApiLogMiddleware>();
            api.UseMiddleware<ApiExceptionMiddleware>();
            // Routing already ran (WebApplication adds it first), so the endpoint is known here.
            api.UseMiddleware<ApiGateMiddleware>();
        });

        // After the branch, so an API request's refusals pass back through its log and error
        // middleware; paths without a policy (health) pass untouched. WebApplication would
        // otherwise add both middlewares first, before the API's log and error handling.
        // Authentication happens in the policies (which name the token scheme), never globally:
        // with no default scheme (above) the middleware WebApplication adds would do nothing,
        // and this mark (its own, undocumented) spares the request the visit.
        ((IApplicationBuilder)app).Properties["__AuthenticationMiddlewareSet"] = true;
        Web.WebUi.UseWebUi(app);
        app.UseAuthorization();

        app.MapGet("/-/health", () => TypedResults.Text("Tokenward OK")).ExcludeFromDescription();
        Health.HealthEndpoints.Map(app);
        TokenService.AuthRequestEndpoint.Map(app);
        TokenService.IntrospectionEndpoint.Map(app);
        app.MapPrometheusScrapingEndpoint("/-/metrics").AddEndpointFilter(async (context, next) =>
            Health.HealthEndpoints.Allowed(context.HttpContext) ? await next(context) : Results.NotFound()).ExcludeFromDescription();
        // Every endpoint under /api has its access policy: its own, or GitLab's default for its method.
        var api = app.MapGroup("/api").WithDefaultAccess();
        api.MapOpenApi("/{documentName}/openapi.json").WithAccess(new ApiAccess(ApiAccess.Read, Anonymous: true));
        var v4 = api.MapGroup("/v4");
        UsersEndpoints.Map(v4);
        PersonalAccessTokensEndpoints.Map(v4);
        ImpersonationTokensEndpoints.Map(v4);
        AuthBans.AuthBansEndpoints.Map(v4);
        Groups.GroupsEndpoints.Map(v4);
        Audit.AuditEventsEndpoints.Map(v4);
        Settings.ApplicationSettingsEndpoints.Map(v4);
        Projects.ProjectsEndpoints.Map(v4);
        Members.MembersEndpoints.Map(v4);
        ResourceAccessTokens.ResourceAccessTokensEndpoints.Map(v4);
        Toolkit.TokenReportsEndpoints.Map(v4);
        Toolkit.TokenChangesEndpoints.Map(v4);
        Notifications.NotificationsEndpoints.Map(v4);
        TokenService.AdminTokenEndpoints.Map(v4);
        TokenService.LeakReports.Map(v4);
        Web.WebUi.MapWebUi(app);
        return app;
    }

    /// <summary>Migrates the schema and creates <c>root</c> on an empty database.</summary>
    /// <returns>A generated root token to show once, or null.</returns>
    public static async Task<string?> PrepareAsync(IServiceProvider services, CancellationToken ct)
    {
        await Migrator.MigrateAsync(services.GetRequiredService<TokenwardSettings>().Database, ct);
        await SecretCheck.VerifyAsync(services, ct);
        return await BootstrapAsync(services, ct);
    }

    /// <summary>Creates <c>root</c> on an empty, migrated database.</summary>
    /// <returns>A generated root token to show once, or null.</returns>
    public static async Task<string?> BootstrapAsync(IServiceProvider services, CancellationToken ct)
    {
        var settings = services.GetRequiredService<TokenwardSettings>();
        await using var scope = services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<TokenwardDb>();
        scope.ServiceProvider.GetRequiredService<Audit.ActorContext>().Current = Audit.Actor.System("bootstrap");
        var created = await Bootstrap.EnsureRootAsync(db, scope.ServiceProvider.GetRequiredService<PersonalAccessTokenService>(), settings, services.GetRequiredService<TimeProvider>(), ct);
        if (!created.Created && settings.InitialRootToken is not null)
        {
            // The variable is easily left set in a service file; saying nothing would let an admin believe that value works.
            services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(Bootstrap)).InitialRootTokenIgnored();
        }

        return created.Token;
    }
}
