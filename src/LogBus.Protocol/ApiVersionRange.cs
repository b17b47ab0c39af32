namespace LogBus.Protocol;

/// <summary>An inclusive range of versions of one API.</summary>
/// <param name="ApiKey">The API.</param>
/// <param name="MinVersion">Lowest version, inclusive.</param>
/// <param name="MaxVersion">Highest version, inclusive.</param>
public readonly record struct ApiVersionRange(ApiKey ApiKey, short MinVersion, short MaxVersion)
{
    /// <summary>True when <paramref name="version"/> lies in the range.</summary>
    public bool Contains(short version) => version >= MinVersion && version <= MaxVersion;
}
