using MimecastActors.Domain;

namespace MimecastActors.Tests.Domain;

public sealed class ExponentialBackoffTests
{
    private static readonly TimeSpan Min = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan Max = TimeSpan.FromMinutes(1);

    [Theory]
    [InlineData(1, 1)]
    [InlineData(2, 2)]
    [InlineData(3, 4)]
    [InlineData(6, 32)]
    [InlineData(7, 60)]
    [InlineData(1_000, 60)]
    public void The_wait_doubles_from_the_floor_up_to_the_ceiling(int attempt, int seconds) =>
        ExponentialBackoff.Delay(Min, Max, attempt).Should().Be(TimeSpan.FromSeconds(seconds));

    [Fact]
    public void An_attempt_below_one_waits_the_floor() =>
        ExponentialBackoff.Delay(Min, Max, 0).Should().Be(Min);
}
