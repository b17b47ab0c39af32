namespace LogBus.Samples.Tests;

/// <summary>The Orders app with a 2 s payment deadline, for orders whose payment is never answered.</summary>
public sealed class ShortDeadlineOrdersApp() : OrdersApp(TimeSpan.FromSeconds(2));
