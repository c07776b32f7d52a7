namespace Tokenward.Core.Tokens;

public enum TokenShape
{
    /// <summary>Not in the generated shape; may be an explicitly set value.</summary>
    Other,

    /// <summary>In the generated shape with a valid checksum.</summary>
    Generated,

    /// <summary>In the generated shape but the checksum fails: certainly not a token we issued.</summary>
    BadChecksum,
}
