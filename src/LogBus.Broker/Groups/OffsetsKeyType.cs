namespace LogBus.Broker.Groups;

/// <summary>The first field (int16) of every key in <c>__consumer_offsets</c>; see the Groups README.</summary>
internal enum OffsetsKeyType : short
{
    /// <summary>A committed offset: key (group, topic, partition), value <see cref="CommittedOffset"/>.</summary>
    Offset = 1,

    /// <summary>A group's membership: key (group), value <see cref="StoredGroup"/>.</summary>
    Group = 2,
}
