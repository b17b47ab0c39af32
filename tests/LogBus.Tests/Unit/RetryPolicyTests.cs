namespace LogBus.Tests.Unit;

public class RetryPolicyTests
{
    [Fact]
    public void Immediate_retries_have_no_delay()
    {
        var policy = RetryPolicy.Immediate(3);
        Assert.Equal(3, policy.Retries);
        Assert.All(Enumerable.Range(1, 3), n => Assert.Equal(TimeSpan.Zero, policy.GetDelay(n)));
    }

    [Fact]
    public void Exponential_doubles_within_jitter_and_caps()
    {
        var policy = RetryPolicy.Exponential(10, TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(1), jitter: 0.2);
        for (var i = 0; i < 200; i++)
        {
            var first = policy.GetDelay(1);
            Assert.InRange(first.TotalMilliseconds, 80, 120);
            var third = policy.GetDelay(3);
            Assert.InRange(third.TotalMilliseconds, 320, 480);
            Assert.InRange(policy.GetDelay(10).TotalMilliseconds, 800, 1000); // capped at max, jitter never exceeds it
        }
    }

    [Fact]
    public void Exponential_without_jitter_is_exact()
    {
        var policy = RetryPolicy.Exponential(4, TimeSpan.FromMilliseconds(10), TimeSpan.FromMilliseconds(50), jitter: 0);
        Assert.Equal([10.0, 20.0, 40.0, 50.0], Enumerable.Range(1, 4).Select(n => policy.GetDelay(n).TotalMilliseconds));
    }

    [Fact]
    public void Intervals_are_used_in_order()
    {
        var policy = RetryPolicy.Intervals(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(5));
        Assert.Equal(2, policy.Retries);
        Assert.Equal(TimeSpan.FromSeconds(1), policy.GetDelay(1));
        Assert.Equal(TimeSpan.FromSeconds(5), policy.GetDelay(2));
    }

    [Fact]
    public void Invalid_arguments_are_rejected()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => RetryPolicy.Immediate(-1));
        Assert.Throws<ArgumentOutOfRangeException>(() => RetryPolicy.Exponential(1, TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(1)));
        Assert.Throws<ArgumentOutOfRangeException>(() => RetryPolicy.Exponential(1, TimeSpan.Zero, TimeSpan.Zero, jitter: 2));
        Assert.Throws<ArgumentOutOfRangeException>(() => RetryPolicy.Intervals(TimeSpan.FromSeconds(-1)));
        Assert.Equal(0, RetryPolicy.None.Retries);
    }
}
