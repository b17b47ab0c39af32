namespace LogBus.Protocol;

/// <summary>
/// The header in front of every request body. v0: API key, API version, correlation id. v1 adds the
/// client id (a classic nullable int16 string). v2 (flexible requests) keeps the client id as an
/// int16 string and appends a tagged-field section.
/// </summary>
public sealed class RequestHeader
{
    /// <summary>The API of the body.</summary>
    public ApiKey ApiKey { get; set; }

    /// <summary>The version of the body.</summary>
    public short ApiVersion { get; set; }

    /// <summary>Echoed in the response so the client can match it.</summary>
    public int CorrelationId { get; set; }

    /// <summary>The client's id; null is allowed on the wire.</summary>
    public string? ClientId { get; set; }

    /// <summary>Tagged fields of a v2 header, kept as raw bytes.</summary>
    public List<TaggedField>? TaggedFields { get; set; }

    /// <summary>The header version this request uses (from <see cref="ApiVersionTable.RequestHeaderVersion"/>).</summary>
    public short HeaderVersion => ApiVersionTable.RequestHeaderVersion(ApiKey, ApiVersion);

    /// <summary>
    /// Reads a header, choosing its version from the API key and version it starts with. Works for
    /// API keys and versions this codec does not implement, so a server can answer them with an error.
    /// </summary>
    public static RequestHeader Read(ref KafkaReader reader)
    {
        var header = new RequestHeader
        {
            ApiKey = (ApiKey)reader.ReadInt16(),
            ApiVersion = reader.ReadInt16(),
            CorrelationId = reader.ReadInt32(),
        };
        var headerVersion = header.HeaderVersion;
        if (headerVersion >= 1)
        {
            header.ClientId = reader.ReadNullableString();
        }
        if (headerVersion >= 2)
        {
            List<TaggedField>? tagged = null;
            reader.ReadTaggedFields(ref tagged);
            header.TaggedFields = tagged;
        }
        return header;
    }

    /// <summary>Writes the header in <see cref="HeaderVersion"/>.</summary>
    public void Write(ref KafkaWriter writer)
    {
        var headerVersion = HeaderVersion;
        writer.WriteInt16((short)ApiKey);
        writer.WriteInt16(ApiVersion);
        writer.WriteInt32(CorrelationId);
        if (headerVersion >= 1)
        {
            writer.WriteNullableString(ClientId);
        }
        if (headerVersion >= 2)
        {
            writer.WriteTaggedFields(TaggedFields);
        }
    }
}
