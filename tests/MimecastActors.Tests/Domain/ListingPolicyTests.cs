using MimecastActors.Domain;

using static MimecastActors.Tests.Domain.DomainSamples;

namespace MimecastActors.Tests.Domain;

public sealed class ListingPolicyTests
{
    private static ListingDecision Decide(
        TenantState state, ListingAnswer answer, string? listedWith = null, bool delivering = false, int calls = 1, TimeSpan? answeredAfter = null, DateOnly? listedFrom = null) =>
        ListingPolicy.Decide(state, "receipt", listedWith, listedFrom, T0, calls, delivering, answer, T0 + (answeredAfter ?? TimeSpan.FromMilliseconds(200)));

    [Fact]
    public void A_page_is_delivered_when_the_stream_still_stands_where_it_was_listed()
    {
        var decision = Decide(Configured(), new ListingAnswer.Page(3));

        decision.Then.Should().Be(new ListingStep.Deliver());
        decision.Record.Should().BeEmpty("one call, answered at once");
    }

    [Fact]
    public void An_empty_page_is_the_end_of_a_page_only_when_no_page_is_in_progress()
    {
        Decide(Configured(), new ListingAnswer.Page(0)).Then.Should().Be(new ListingStep.Deliver());

        var inJournal = Configured().Apply(new TenantEvents.FileCompleted("receipt", "f1", null, T0));
        Decide(inJournal, new ListingAnswer.Page(0)).Then.Should().BeOfType<ListingStep.ListAgain>()
            .Which.Reason.Should().Contain("empty page for a page in progress");
        Decide(Configured(), new ListingAnswer.Page(0), delivering: true).Then.Should().BeOfType<ListingStep.ListAgain>();
    }

    [Fact]
    public void A_page_listed_before_a_pause_or_a_replay_is_dropped()
    {
        Decide(Configured().Apply(new TenantEvents.Paused("operator", T0)), new ListingAnswer.Page(3)).Then.Should().BeOfType<ListingStep.Drop>();

        var moved = Configured().Apply(new TenantEvents.PageCompleted("receipt", "token-2", false, T0));
        Decide(moved, new ListingAnswer.Page(3), listedWith: null).Then.Should().BeOfType<ListingStep.Drop>()
            .Which.Why.Should().Contain("replayed");
        Decide(moved, new ListingAnswer.Page(3), listedWith: "token-2").Then.Should().Be(new ListingStep.Deliver());
    }

    [Fact]
    public void A_page_listed_before_a_replay_of_a_stream_without_a_cursor_is_dropped()
    {
        // No cursor before the replay and none after it: only the start date tells the listings apart.
        var replayed = Configured().Apply(new TenantEvents.StreamReplayed("receipt", new DateOnly(2026, 11, 1), T0));

        Decide(replayed, new ListingAnswer.Page(3), listedWith: null, listedFrom: null).Then.Should().BeOfType<ListingStep.Drop>()
            .Which.Why.Should().Contain("replayed");
        Decide(replayed, new ListingAnswer.Page(3), listedWith: null, listedFrom: new DateOnly(2026, 11, 1)).Then.Should().Be(new ListingStep.Deliver());
        var again = replayed.Apply(new TenantEvents.StreamReplayed("receipt", new DateOnly(2026, 10, 1), T0));
        Decide(again, new ListingAnswer.Page(3), listedWith: null, listedFrom: new DateOnly(2026, 11, 1)).Then.Should().BeOfType<ListingStep.Drop>();
    }

    [Fact]
    public void A_429_journals_its_wait()
    {
        var decision = Decide(Configured(), new ListingAnswer.TooManyRequests(TimeSpan.FromSeconds(40)));

        decision.Then.Should().Be(new ListingStep.WaitOut(TimeSpan.FromSeconds(40)));
        decision.Record.Should().Equal(new TenantEvents.RateLimited(T0.AddMilliseconds(200).AddSeconds(40), T0.AddMilliseconds(200)));
    }

    [Fact]
    public void A_failure_only_an_operator_can_fix_pauses_and_any_other_backs_off()
    {
        Decide(Configured(), new ListingAnswer.Failed("Mimecast rejected the client credentials", NeedsOperator: true)).Then
            .Should().Be(new ListingStep.Pause("Mimecast rejected the client credentials"));
        Decide(Configured(), new ListingAnswer.Failed("503 Service Unavailable", NeedsOperator: false)).Then
            .Should().Be(new ListingStep.Backoff("listing receipt: 503 Service Unavailable"));
    }

    [Fact]
    public void Calls_are_counted_as_they_went_a_refused_token_twice_and_a_slow_answer_from_when_it_came()
    {
        Decide(Configured(), new ListingAnswer.Page(1), calls: 2).Record
            .Should().Equal(new TenantEvents.CallsSpent(1, T0.AddMilliseconds(200)));

        var slow = Configured().Budget.Policy.Guard + TimeSpan.FromSeconds(1);
        Decide(Configured(), new ListingAnswer.Page(1), answeredAfter: slow).Record
            .Should().Equal(new TenantEvents.CallsAnswered(1, T0, T0 + slow));
    }
}
