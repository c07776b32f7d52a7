using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;

namespace Tokenward.Hosting;

/// <summary>
/// Where clients reach this instance, for the links it hands out (pagination <c>Link</c> headers,
/// <c>web_url</c>): GitLab's <c>external_url</c>, from <c>TOKENWARD_EXTERNAL_URL</c>, or else
/// the first address the server listens on. Never the request's <c>Host</c> header, which any
/// client can set and would then have echoed into links other clients follow.
/// </summary>
public sealed class ExternalUrl(TokenwardSettings settings, IServer? server)
{
    private string? _listening;

    /// <summary>Scheme, host, port and any path prefix, without a trailing slash; empty without a server or a setting (links stay relative).</summary>
    public string Base => settings.ExternalUrl ?? _listening ?? Remember(Listening());

    /// <summary>The base for a request's links.</summary>
    public static string Of(HttpRequest request) => request.HttpContext.RequestServices.GetRequiredService<ExternalUrl>().Base;

    /// <summary>Kept once the server has published its addresses; read before that (a background service starting first), it is asked again next time.</summary>
    private string Remember(string listening)
    {
        if (listening.Length > 0)
        {
            _listening = listening;
        }

        return listening;
    }

    private string Listening()
    {
        var address = server?.Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault();
        if (address is null || !Uri.TryCreate(address, UriKind.Absolute, out var uri))
        {
            return string.Empty;
        }

        // A wildcard address is where the server listens, not a place a client can go.
        var host = uri.Host is "0.0.0.0" or "[::]" or "::" or "*" or "+" ? "localhost" : uri.Host;
        return new UriBuilder(uri) { Host = host }.Uri.GetLeftPart(UriPartial.Authority);
    }
}
