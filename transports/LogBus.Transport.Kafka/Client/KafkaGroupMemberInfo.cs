namespace LogBus.Transport.Kafka.Client;

/// <summary>A member of a consumer group.</summary>
/// <param name="MemberId">Member id given by the coordinator.</param>
/// <param name="ClientId">The member's client id.</param>
/// <param name="ClientHost">The member's address as the coordinator saw it.</param>
/// <param name="Assignment">Partitions assigned to the member (decoded from the consumer protocol).</param>
public sealed record KafkaGroupMemberInfo(string MemberId, string ClientId, string ClientHost, IReadOnlyList<TopicPartition> Assignment);
