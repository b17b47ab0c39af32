using LogBus.Broker.Groups;

namespace LogBus.Broker.Server;

/// <summary>Topics the broker writes itself: reported as internal in Metadata, closed to client produce requests.</summary>
internal static class InternalTopics
{
    /// <summary>True for <c>__consumer_offsets</c> and <c>__transaction_state</c>.</summary>
    public static bool IsInternal(string topic) =>
        string.Equals(topic, GroupCoordinatorOptions.OffsetsTopicName, StringComparison.Ordinal)
        || string.Equals(topic, Transactions.TransactionCoordinatorOptions.StateTopicName, StringComparison.Ordinal);
}
