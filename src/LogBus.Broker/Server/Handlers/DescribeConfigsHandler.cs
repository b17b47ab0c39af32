using System.Globalization;
using LogBus.Protocol;
using LogBus.Protocol.Messages;

namespace LogBus.Broker.Server.Handlers;

/// <summary>
/// DescribeConfigs (32): topic resources (type 2) report the topic configs this broker stores
/// (<see cref="TopicConfigs"/>), marked default or dynamic-topic; the broker resource (type 4, name =
/// node id) reports the broker settings clients commonly ask about. All read-only, none sensitive.
/// </summary>
internal sealed class DescribeConfigsHandler : RequestHandler<DescribeConfigsRequest>
{
    private const sbyte TopicResource = 2;
    private const sbyte BrokerResource = 4;
    private const sbyte SourceTopic = 1;       // DYNAMIC_TOPIC_CONFIG
    private const sbyte SourceStaticBroker = 4; // STATIC_BROKER_CONFIG
    private const sbyte SourceDefault = 5;     // DEFAULT_CONFIG

    public override ApiKey ApiKey => ApiKey.DescribeConfigs;

    protected override ValueTask<KafkaResponse?> HandleAsync(RequestContext context, DescribeConfigsRequest request)
    {
        var services = context.Services;
        var response = new DescribeConfigsResponse();
        foreach (var resource in request.Resources)
        {
            var result = new DescribeConfigsResponse.Result { ResourceType = resource.ResourceType, ResourceName = resource.ResourceName };
            response.Results.Add(result);
            var wanted = resource.ConfigurationKeys is { Count: > 0 } keys ? new HashSet<string>(keys, StringComparer.Ordinal) : null;
            switch (resource.ResourceType)
            {
                case TopicResource:
                    var topic = services.Logs.GetTopic(resource.ResourceName);
                    if (topic is null)
                    {
                        (result.ErrorCode, result.ErrorMessage) = (ErrorCode.UnknownTopicOrPartition, $"topic '{resource.ResourceName}' does not exist");
                        break;
                    }
                    var defaults = services.Options.DefaultLogConfig;
                    foreach (var name in TopicConfigs.Names)
                    {
                        if (wanted is not null && !wanted.Contains(name))
                        {
                            continue;
                        }
                        var value = TopicConfigs.Get(topic.Config, name);
                        var isDefault = value == TopicConfigs.Get(defaults, name);
                        result.Configs.Add(new DescribeConfigsResponse.Config
                        {
                            Name = name,
                            Value = value,
                            ReadOnly = true,
                            IsDefault = isDefault,
                            ConfigSource = isDefault ? SourceDefault : SourceTopic,
                        });
                    }
                    break;
                case BrokerResource:
                    if (resource.ResourceName.Length > 0 && resource.ResourceName != services.Metadata.NodeId.ToString(CultureInfo.InvariantCulture))
                    {
                        (result.ErrorCode, result.ErrorMessage) = (ErrorCode.InvalidRequest, $"this is broker {services.Metadata.NodeId}");
                        break;
                    }
                    AddBroker(result, wanted, "broker.id", services.Metadata.NodeId.ToString(CultureInfo.InvariantCulture));
                    AddBroker(result, wanted, "auto.create.topics.enable", services.Options.AutoCreateTopics ? "true" : "false");
                    AddBroker(result, wanted, "num.partitions", services.Options.DefaultPartitions.ToString(CultureInfo.InvariantCulture));
                    AddBroker(result, wanted, "log.dirs", services.Logs.DataDirectory);
                    AddBroker(result, wanted, "socket.request.max.bytes", services.Options.MaxRequestSize.ToString(CultureInfo.InvariantCulture));
                    AddBroker(result, wanted, "message.max.bytes", services.Options.DefaultLogConfig.MaxBatchBytes.ToString(CultureInfo.InvariantCulture));
                    break;
                default:
                    (result.ErrorCode, result.ErrorMessage) = (ErrorCode.InvalidRequest, $"resource type {resource.ResourceType} is not supported");
                    break;
            }
        }
        return Done(response);
    }

    private static void AddBroker(DescribeConfigsResponse.Result result, HashSet<string>? wanted, string name, string value)
    {
        if (wanted is null || wanted.Contains(name))
        {
            result.Configs.Add(new DescribeConfigsResponse.Config { Name = name, Value = value, ReadOnly = true, ConfigSource = SourceStaticBroker });
        }
    }
}
