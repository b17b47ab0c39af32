namespace LogBus.Internal;

/// <summary>
/// Wraps one handler attempt inside its DI scope: the EF Core inbox (transaction, dedup row) and the
/// outbox (saving rows a handler published) are filters. Resolved from the attempt's scope.
/// </summary>
/// <remarks>
/// Contract: call the next step at most once; return normally when the message is finished
/// (handled or skipped as a duplicate); throw to fail the attempt (it is retried per policy).
/// </remarks>
internal interface IConsumeFilter
{
    Task InvokeAsync(MessageContext context, Func<Task> next);
}
