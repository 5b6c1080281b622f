using System.Net.Http.Headers;

using MimecastActors.Mimecast;

namespace MimecastActors.Tests.Mimecast;

public sealed class RateLimitWaitTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 20, 12, 0, 0, TimeSpan.Zero);
    private static readonly MimecastClientOptions NoJitter = new() { RateLimitJitter = 0 };

    [Fact]
    public void Retry_after_in_seconds_comes_first() =>
        RateLimitWait.For(new RetryConditionHeaderValue(TimeSpan.FromSeconds(7)), new RateLimitStatus(50, 0, TimeSpan.FromSeconds(90)), Now, NoJitter, new Random(1))
            .Should().Be(TimeSpan.FromSeconds(7));

    [Fact]
    public void Retry_after_as_an_http_date_is_the_time_until_then() =>
        RateLimitWait.For(new RetryConditionHeaderValue(Now.AddSeconds(42)), RateLimitStatus.Unknown, Now, NoJitter, new Random(1))
            .Should().Be(TimeSpan.FromSeconds(42));

    [Fact]
    public void A_past_http_date_means_no_wait() =>
        RateLimitWait.For(new RetryConditionHeaderValue(Now.AddSeconds(-5)), RateLimitStatus.Unknown, Now, NoJitter, new Random(1))
            .Should().Be(TimeSpan.Zero);

    [Fact]
    public void Without_retry_after_the_reset_header_is_a_duration_in_milliseconds() =>
        RateLimitWait.For(null, new RateLimitStatus(50, 0, TimeSpan.FromMilliseconds(12_345)), Now, NoJitter, new Random(1))
            .Should().Be(TimeSpan.FromMilliseconds(12_345));

    [Fact]
    public void Without_either_header_the_default_applies() =>
        RateLimitWait.For(null, RateLimitStatus.Unknown, Now, NoJitter, new Random(1)).Should().Be(NoJitter.DefaultRateLimitWait);

    [Theory]
    [InlineData("1000000000000000", 86_400_000L)]
    [InlineData("9223372036854775807", 86_400_000L)]
    [InlineData("1500", 1_500L)]
    [InlineData("-3", null)]
    [InlineData("soon", null)]
    public void A_reset_header_of_any_size_is_read_without_overflow(string header, long? expectedMs)
    {
        using var response = new HttpResponseMessage();
        response.Headers.TryAddWithoutValidation("X-RateLimit-Reset", header);

        RateLimitStatus.From(response.Headers).Reset.Should().Be(expectedMs is { } ms ? TimeSpan.FromMilliseconds(ms) : null);
    }

    [Fact]
    public void A_wait_is_capped() =>
        RateLimitWait.For(new RetryConditionHeaderValue(TimeSpan.FromHours(3)), RateLimitStatus.Unknown, Now, NoJitter, new Random(1))
            .Should().Be(NoJitter.MaxRateLimitWait);

    [Fact]
    public void Jitter_only_adds_and_stays_within_its_fraction()
    {
        var options = new MimecastClientOptions { RateLimitJitter = 0.1 };
        var random = new Random(5);
        var waits = Enumerable.Range(0, 200)
            .Select(_ => RateLimitWait.For(null, new RateLimitStatus(50, 0, TimeSpan.FromSeconds(10)), Now, options, random))
            .ToList();

        waits.Should().OnlyContain(w => w >= TimeSpan.FromSeconds(10) && w <= TimeSpan.FromSeconds(11));
        waits.Distinct().Should().HaveCountGreaterThan(100);
    }
}
