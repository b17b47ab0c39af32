using LogBus.Internal;

namespace LogBus.Tests.Unit;

public class MessageNamesTests
{
    [Theory]
    [InlineData("OrderPlaced", "order-placed")]
    [InlineData("HTTPRequestReceived", "http-request-received")]
    [InlineData("OrderPlacedV2", "order-placed-v2")]
    [InlineData("Order_Placed", "order-placed")]
    [InlineData("orders", "orders")]
    [InlineData("Orders.Api", "orders-api")]
    [InlineData("IOError", "io-error")]
    public void Kebab_case(string name, string expected) => Assert.Equal(expected, MessageNames.KebabCase(name));

    [Fact]
    public void Kebab_case_of_generic_types_names_the_arguments() =>
        Assert.Equal("envelope-of-order-placed", MessageNames.KebabCase(typeof(Envelope<OrderPlaced>)));

    [Fact]
    public void Default_type_name_is_the_full_name_without_assembly()
    {
        Assert.Equal("LogBus.Tests.Unit.OrderPlaced", MessageNames.DefaultTypeName(typeof(OrderPlaced)));
        Assert.Equal("LogBus.Tests.Unit.MessageNamesTests.Nested", MessageNames.DefaultTypeName(typeof(Nested)));
        Assert.Equal("LogBus.Tests.Unit.Envelope[LogBus.Tests.Unit.OrderPlaced]", MessageNames.DefaultTypeName(typeof(Envelope<OrderPlaced>)));
    }

    [Theory]
    [InlineData("")]
    [InlineData("has space")]
    [InlineData("ümlaut")]
    [InlineData("..")]
    public void Bad_topic_names_are_rejected_at_configuration(string name) =>
        Assert.ThrowsAny<ArgumentException>(() => TopicNames.Validate(name.Length == 0 ? new string('x', 250) : name));

    private sealed record Nested;
}

public sealed record OrderPlaced(Guid OrderId);

public sealed record Envelope<T>(T Body);
