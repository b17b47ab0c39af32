namespace LogBus.Protocol.Messages;

/// <summary>
/// ApiVersions (key 18) request, versions 0-3. v0-2 have an empty body; v3 is flexible (compact
/// strings, tagged fields) and names the client software.
/// </summary>
public sealed class ApiVersionsRequest : KafkaRequest
{
    /// <inheritdoc/>
    public override ApiKey ApiKey => ApiKey.ApiVersions;

    /// <summary>The client software name (v3+).</summary>
    public string ClientSoftwareName { get; set; } = string.Empty;

    /// <summary>The client software version (v3+).</summary>
    public string ClientSoftwareVersion { get; set; } = string.Empty;

    /// <summary>Tagged fields this codec does not know, preserved (v3+).</summary>
    public List<TaggedField>? UnknownTaggedFields { get; set; }

    /// <inheritdoc/>
    public override void Write(ref KafkaWriter writer, short version)
    {
        ApiVersionTable.EnsureSupported(ApiKey.ApiVersions, version);
        if (version >= 3)
        {
            writer.WriteCompactString(ClientSoftwareName);
            writer.WriteCompactString(ClientSoftwareVersion);
            writer.WriteTaggedFields(UnknownTaggedFields);
        }
    }

    /// <summary>Reads the body in <paramref name="version"/>.</summary>
    public static ApiVersionsRequest Read(ref KafkaReader reader, short version)
    {
        ApiVersionTable.EnsureSupported(ApiKey.ApiVersions, version);
        var r = new ApiVersionsRequest();
        if (version >= 3)
        {
            r.ClientSoftwareName = reader.ReadCompactString();
            r.ClientSoftwareVersion = reader.ReadCompactString();
            List<TaggedField>? tagged = null;
            reader.ReadTaggedFields(ref tagged);
            r.UnknownTaggedFields = tagged;
        }
        return r;
    }
}
