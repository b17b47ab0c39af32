namespace LogBus.Protocol;

/// <summary>
/// The one table of API versions this codec implements: the broker advertises it in ApiVersions and
/// the client negotiates against a broker's ranges with <see cref="Negotiate"/>. Also knows, for every
/// Kafka API (supported or not), the first flexible version, which decides the header versions.
/// </summary>
public static class ApiVersionTable
{
    private static readonly ApiVersionRange[] s_supported =
    [
        new(ApiKey.Produce, 3, 7),
        new(ApiKey.Fetch, 4, 11),
        new(ApiKey.ListOffsets, 1, 5),
        new(ApiKey.Metadata, 0, 8),
        new(ApiKey.OffsetCommit, 0, 7),
        new(ApiKey.OffsetFetch, 1, 5),
        new(ApiKey.FindCoordinator, 0, 2),
        new(ApiKey.JoinGroup, 0, 5),
        new(ApiKey.Heartbeat, 0, 3),
        new(ApiKey.LeaveGroup, 0, 3),
        new(ApiKey.SyncGroup, 0, 3),
        new(ApiKey.DescribeGroups, 0, 4),
        new(ApiKey.ListGroups, 0, 2),
        new(ApiKey.ApiVersions, 0, 3),
        new(ApiKey.CreateTopics, 0, 4),
        new(ApiKey.DeleteTopics, 0, 3),
        new(ApiKey.InitProducerId, 0, 1),
        new(ApiKey.OffsetForLeaderEpoch, 0, 3),
        new(ApiKey.AddPartitionsToTxn, 0, 2),
        new(ApiKey.AddOffsetsToTxn, 0, 2),
        new(ApiKey.EndTxn, 0, 2),
        new(ApiKey.TxnOffsetCommit, 0, 2),
        new(ApiKey.DescribeConfigs, 0, 2),
        new(ApiKey.DeleteGroups, 0, 1),
    ];

    // Index by API key for O(1) lookups; -1 marks "not implemented".
    private static readonly sbyte[] s_index = BuildIndex();

    // First flexible version of every API key 0..68 (short.MaxValue: never flexible). Per the
    // public Kafka message definitions; used for header versions, including for API versions we do
    // not implement, so a broker can still read their correlation id and answer with an error.
    private static readonly short[] s_firstFlexible =
    [
        9, 12, 6, 9, 4, 2, 6, 3, 8, 6, // 0-9
        3, 6, 4, 4, 4, 5, 3, short.MaxValue, 3, 5, // 10-19
        4, 2, 2, 4, 3, 3, 3, 1, 3, 2, // 20-29
        2, 2, 4, 2, 2, 2, 2, 2, 2, 2, // 30-39
        2, 2, 2, 2, 1, 0, 0, short.MaxValue, 1, 1, // 40-49
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, // 50-59
        0, 0, 0, 0, 0, 0, 0, 0, 0, // 60-68
    ];

    /// <summary>Every implemented API with its version range, in API key order.</summary>
    public static IReadOnlyList<ApiVersionRange> Supported => s_supported;

    private static sbyte[] BuildIndex()
    {
        var index = new sbyte[128];
        Array.Fill(index, (sbyte)-1);
        for (var i = 0; i < s_supported.Length; i++)
        {
            index[(int)s_supported[i].ApiKey] = (sbyte)i;
        }
        return index;
    }

    /// <summary>Gets the implemented range of <paramref name="apiKey"/>; false when not implemented.</summary>
    public static bool TryGetRange(ApiKey apiKey, out ApiVersionRange range)
    {
        var k = (int)apiKey;
        if ((uint)k < (uint)s_index.Length && s_index[k] >= 0)
        {
            range = s_supported[s_index[k]];
            return true;
        }
        range = default;
        return false;
    }

    /// <summary>Tells whether (<paramref name="apiKey"/>, <paramref name="version"/>) can be decoded and encoded.</summary>
    public static ApiSupport Check(ApiKey apiKey, short version)
    {
        if (!TryGetRange(apiKey, out var range))
        {
            return ApiSupport.UnknownApiKey;
        }
        return range.Contains(version) ? ApiSupport.Supported : ApiSupport.UnsupportedVersion;
    }

    /// <summary>Throws <see cref="KafkaProtocolException"/> unless the version is implemented.</summary>
    public static void EnsureSupported(ApiKey apiKey, short version)
    {
        switch (Check(apiKey, version))
        {
            case ApiSupport.Supported:
                return;
            case ApiSupport.UnknownApiKey:
                throw new KafkaProtocolException($"Unknown or unimplemented API key {(short)apiKey}.", ErrorCode.InvalidRequest);
            default:
                TryGetRange(apiKey, out var r);
                throw new KafkaProtocolException(
                    $"{apiKey} version {version} is not supported (supported: {r.MinVersion}-{r.MaxVersion}).",
                    ErrorCode.UnsupportedVersion);
        }
    }

    /// <summary>
    /// Picks the highest version both sides support: ours for <paramref name="apiKey"/> and the
    /// broker's advertised [<paramref name="brokerMin"/>, <paramref name="brokerMax"/>]. False when the
    /// ranges do not overlap or we do not implement the API.
    /// </summary>
    public static bool Negotiate(ApiKey apiKey, short brokerMin, short brokerMax, out short version)
    {
        version = -1;
        if (!TryGetRange(apiKey, out var ours))
        {
            return false;
        }
        var hi = Math.Min(ours.MaxVersion, brokerMax);
        var lo = Math.Max(ours.MinVersion, brokerMin);
        if (hi < lo)
        {
            return false;
        }
        version = (short)hi;
        return true;
    }

    /// <summary>True when this version of the API uses flexible (compact, tagged) encoding.</summary>
    public static bool IsFlexible(ApiKey apiKey, short version)
    {
        var k = (int)apiKey;
        return (uint)k < (uint)s_firstFlexible.Length && version >= s_firstFlexible[k];
    }

    /// <summary>
    /// Request header version for a request: 2 for flexible versions, 1 otherwise (0 only for
    /// ControlledShutdown v0, which predates the client id).
    /// </summary>
    public static short RequestHeaderVersion(ApiKey apiKey, short version)
    {
        if (apiKey == ApiKey.ControlledShutdown && version == 0)
        {
            return 0;
        }
        return IsFlexible(apiKey, version) ? (short)2 : (short)1;
    }

    /// <summary>
    /// Response header version for a response: 1 for flexible versions, 0 otherwise. ApiVersions
    /// always answers with header v0, so a client that does not yet know the broker can parse it.
    /// </summary>
    public static short ResponseHeaderVersion(ApiKey apiKey, short version)
    {
        if (apiKey == ApiKey.ApiVersions)
        {
            return 0;
        }
        return IsFlexible(apiKey, version) ? (short)1 : (short)0;
    }
}
