using System.Net;

namespace Tokenward.AuthBans;

/// <summary>An address refused until <see cref="Until"/> after <see cref="Failures"/> failed authentications.</summary>
public sealed record Ban(IPAddress Address, DateTimeOffset BannedAt, DateTimeOffset Until, int Failures);
