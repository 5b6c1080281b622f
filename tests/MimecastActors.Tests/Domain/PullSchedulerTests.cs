using MimecastActors.Domain;

using static MimecastActors.Tests.Domain.DomainSamples;

namespace MimecastActors.Tests.Domain;

public sealed class PullSchedulerTests
{
    private static readonly HashSet<string> NoneDelivering = [];

    [Fact]
    public void Nothing_is_pulled_before_configuration_or_while_paused()
    {
        PullScheduler.Decide(TenantState.Empty, T0, NoneDelivering).Should().BeOfType<NextPull.Idle>();
        PullScheduler.Decide(Configured().Apply(new TenantEvents.Paused("bad key", T0)), T0, NoneDelivering)
            .Should().BeOfType<NextPull.Idle>().Which.Why.Should().Contain("bad key");
    }

    [Fact]
    public void Streams_that_are_behind_take_turns_so_a_busy_one_cannot_starve_the_others()
    {
        var state = Configured();
        var order = new List<string>();
        var now = T0;
        for (var i = 0; i < 6; i++)
        {
            var pull = PullScheduler.Decide(state, now, NoneDelivering).Should().BeOfType<NextPull.Now>().Subject;
            order.Add(pull.Stream.Key);
            state = state.ApplyAll(
                new TenantEvents.CallsSpent(1, now),
                new TenantEvents.PageCompleted(pull.Stream.Key, $"t{i}", CaughtUp: false, now));
            now = now.AddSeconds(1);
        }

        order.Should().Equal("process", "receipt", "process", "receipt", "process", "receipt");
    }

    [Fact]
    public void A_caught_up_stream_waits_for_its_poll_interval()
    {
        var state = Configured(Settings(StreamDefinition.Plan(["receipt"], grouped: false)))
            .Apply(new TenantEvents.PageCompleted("receipt", "t", CaughtUp: true, T0));

        PullScheduler.Decide(state, T0.AddMinutes(1), NoneDelivering).Should().Be(new NextPull.Wait(T0.AddMinutes(8), "stream receipt is caught up; next poll"));
        PullScheduler.Decide(state, T0.AddMinutes(8), NoneDelivering).Should().BeOfType<NextPull.Now>();
    }

    [Fact]
    public void A_stream_delivering_its_page_lists_nothing_meanwhile()
    {
        var state = Configured(Settings(StreamDefinition.Plan(["receipt"], grouped: false)));

        PullScheduler.Decide(state, T0, new HashSet<string> { "receipt" }).Should().BeOfType<NextPull.Idle>();
    }

    [Fact]
    public void A_spent_budget_waits_until_room_for_a_listing_and_its_possible_retry()
    {
        var state = Configured(Settings(rateLimit: new RateLimitPolicy(3, TimeSpan.FromMinutes(15))))
            .ApplyAll(new TenantEvents.CallsSpent(1, T0), new TenantEvents.CallsSpent(1, T0.AddMinutes(1)));

        PullScheduler.Decide(state, T0.AddMinutes(2), NoneDelivering).Should().BeOfType<NextPull.Wait>().Which.At.Should().Be(T0.AddMinutes(15) + RateLimitPolicy.Default.Guard);
    }

    [Fact]
    public void A_429_waits_exactly_what_the_api_said_even_with_budget_left()
    {
        var state = Configured().Apply(new TenantEvents.RateLimited(T0.AddMilliseconds(12_345), T0));

        PullScheduler.Decide(state, T0, NoneDelivering).Should().Be(new NextPull.Wait(T0.AddMilliseconds(12_345), "the API answered 429"));
        PullScheduler.Decide(state, T0.AddMilliseconds(12_345), NoneDelivering).Should().BeOfType<NextPull.Now>();
    }
    private static readonly string[] TenTypes =
        ["receipt", "process", "delivery", "av", "spam", "internal email protect", "impersonation protect", "url protect", "attachment protect", "journal"];

    [Fact]
    public void A_round_lists_every_due_stream_at_once_in_the_order_one_by_one_would()
    {
        var state = Configured(Settings(StreamDefinition.Plan(TenTypes, grouped: false)));

        var (streams, _) = PullScheduler.DecideRound(state, T0, NoneDelivering);

        var oneByOne = new List<string>();
        var busy = new HashSet<string>();
        while (PullScheduler.Decide(state, T0, busy) is NextPull.Now now)
        {
            oneByOne.Add(now.Stream.Key);
            busy.Add(now.Stream.Key);
        }

        streams.Select(s => s.Key).Should().Equal(oneByOne).And.HaveCount(10);
    }

    [Fact]
    public void A_round_takes_only_as_many_streams_as_the_budget_has_room_for_with_a_retry_each()
    {
        var state = Configured(Settings(StreamDefinition.Plan(TenTypes, grouped: false), rateLimit: new RateLimitPolicy(5, TimeSpan.FromMinutes(15))));

        PullScheduler.DecideRound(state, T0, NoneDelivering).Streams.Should().HaveCount(2);
        PullScheduler.DecideRound(state.Apply(new TenantEvents.CallsSpent(2, T0)), T0, NoneDelivering).Streams.Should().HaveCount(1);
        PullScheduler.DecideRound(state.Apply(new TenantEvents.CallsSpent(4, T0)), T0, NoneDelivering).Then.Should().BeOfType<NextPull.Wait>()
            .Which.Why.Should().Contain("spent");
    }

    [Fact]
    public void A_round_leaves_out_busy_streams_and_says_why_when_nothing_is_due()
    {
        var state = Configured();

        var (streams, _) = PullScheduler.DecideRound(state, T0, new HashSet<string> { "receipt" });
        streams.Select(s => s.Key).Should().Equal("process");

        var (none, then) = PullScheduler.DecideRound(state, T0, new HashSet<string> { "receipt", "process" });
        none.Should().BeEmpty();
        then.Should().BeOfType<NextPull.Idle>();
    }
}
