using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Tokenward.Api;
using Tokenward.Authentication;
using Tokenward.Tests.Infrastructure;

namespace Tokenward.Tests.Http;

/// <summary>Every API endpoint is guarded by a policy on the token scheme, so other schemes plug in beside it and none is open by omission.</summary>
public class ApiPoliciesTests
{
    [Fact]
    public async Task Every_api_endpoint_has_its_access_as_a_policy_on_the_token_scheme()
    {
        await using var server = await TestServer.StartAsync();
        var endpoints = server.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Where(e => e.RoutePattern.RawText?.StartsWith("/api/", StringComparison.Ordinal) == true).ToList();
        Assert.True(endpoints.Count > 50, $"only {endpoints.Count} API endpoints found");
        Assert.All(endpoints, e =>
        {
            var access = e.Metadata.GetMetadata<ApiAccess>();
            Assert.NotNull(access);
            var policy = e.Metadata.GetMetadata<AuthorizationPolicy>();
            Assert.NotNull(policy);
            Assert.Equal([TokenAuthenticationDefaults.Scheme], policy.AuthenticationSchemes);
            var scope = Assert.Single(policy.Requirements.OfType<TokenScopeRequirement>());
            Assert.Equal(access.AcceptedScopes, scope.AcceptedScopes);
            Assert.Equal(access.AdminOnly, policy.Requirements.Contains(AdminRequirement.Instance));
        });
    }

    [Fact]
    public async Task Endpoints_without_their_own_access_get_gitlabs_default_for_their_method()
    {
        await using var server = await TestServer.StartAsync();
        var endpoints = server.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>().ToList();
        ApiAccess AccessOf(string method) => endpoints.Single(e => e.RoutePattern.RawText == "/api/v4/projects/{id}"
            && e.Metadata.GetMetadata<HttpMethodMetadata>()!.HttpMethods.Contains(method)).Metadata.GetMetadata<ApiAccess>()!;
        Assert.Equal(ApiAccess.Read, AccessOf("GET").AcceptedScopes);
        Assert.Equal(ApiAccess.Write, AccessOf("DELETE").AcceptedScopes);
    }
}
