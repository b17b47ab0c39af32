namespace LogBus.Protocol.Messages;

/// <summary>A named feature with a version range (ApiVersions v3+ tagged fields).</summary>
/// <param name="Name">The feature name.</param>
/// <param name="MinVersion">Lowest version (or finalized min level).</param>
/// <param name="MaxVersion">Highest version (or finalized max level).</param>
public readonly record struct FeatureRange(string Name, short MinVersion, short MaxVersion);
