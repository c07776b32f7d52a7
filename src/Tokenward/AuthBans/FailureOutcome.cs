namespace Tokenward.AuthBans;

public enum FailureOutcome
{
    /// <summary>Counted; the address is not banned.</summary>
    Counted,

    /// <summary>This failure crossed the threshold: it is still answered, later requests are refused.</summary>
    Banned,

    /// <summary>The address was already banned: refuse this request as banned.</summary>
    AlreadyBanned,
}
