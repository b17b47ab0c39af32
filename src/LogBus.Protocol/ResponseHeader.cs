namespace LogBus.Protocol;

/// <summary>
/// The header in front of every response body: v0 is the correlation id, v1 (flexible responses
/// other than ApiVersions) adds a tagged-field section.
/// </summary>
public sealed class ResponseHeader
{
    /// <summary>The request's correlation id.</summary>
    public int CorrelationId { get; set; }

    /// <summary>Tagged fields of a v1 header, kept as raw bytes.</summary>
    public List<TaggedField>? TaggedFields { get; set; }

    /// <summary>Reads a header of the given version (see <see cref="ApiVersionTable.ResponseHeaderVersion"/>).</summary>
    public static ResponseHeader Read(ref KafkaReader reader, short headerVersion)
    {
        var header = new ResponseHeader { CorrelationId = reader.ReadInt32() };
        if (headerVersion >= 1)
        {
            List<TaggedField>? tagged = null;
            reader.ReadTaggedFields(ref tagged);
            header.TaggedFields = tagged;
        }
        return header;
    }

    /// <summary>Writes the header in the given version.</summary>
    public void Write(ref KafkaWriter writer, short headerVersion)
    {
        writer.WriteInt32(CorrelationId);
        if (headerVersion >= 1)
        {
            writer.WriteTaggedFields(TaggedFields);
        }
    }
}
