namespace LogBus.Protocol;

/// <summary>Whether this codec can handle a given (API key, version); see <see cref="ApiVersionTable.Check"/>.</summary>
public enum ApiSupport
{
    /// <summary>Known API, supported version.</summary>
    Supported = 0,
    /// <summary>The API key is not one this codec implements (answer INVALID_REQUEST or close).</summary>
    UnknownApiKey,
    /// <summary>The API is implemented but not at this version (answer UNSUPPORTED_VERSION).</summary>
    UnsupportedVersion,
}
