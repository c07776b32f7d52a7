namespace Tokenward.Storage;

/// <summary>
/// The one row of <c>audit_shipping</c>: how far <c>audit_json.log</c> has got across every node,
/// and which node writes it. The shipper holds a lease (renewed on every run) so one node's file
/// carries the stream while that node lives; <see cref="WritingThrough"/> is set before a batch
/// is appended and cleared after, so a node taking over knows which events the previous writer
/// may already have written when it stopped between the two.
/// </summary>
public sealed class AuditShipping
{
    public int Id { get; set; }

    /// <summary>Every event up to this id is in some node's <c>audit_json.log</c>.</summary>
    public long ShippedThrough { get; set; }

    /// <summary>The last id of the batch <see cref="Writer"/> was appending, until it recorded it.</summary>
    public long? WritingThrough { get; set; }

    /// <summary>The node (host and log folder) that wrote the last batch.</summary>
    public required string Writer { get; set; }

    /// <summary>The node holding the lease.</summary>
    public required string Shipper { get; set; }

    public DateTime LeaseUntil { get; set; }
}
