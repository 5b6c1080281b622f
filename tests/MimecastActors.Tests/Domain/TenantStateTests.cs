using MimecastActors.Domain;

using static MimecastActors.Tests.Domain.DomainSamples;

namespace MimecastActors.Tests.Domain;

public sealed class TenantStateTests
{
    [Fact]
    public void Configuring_creates_one_stream_per_type_at_the_window_start()
    {
        var state = Configured();

        state.Streams.Keys.Should().BeEquivalentTo("receipt", "process");
        state.Streams.Values.Should().OnlyContain(s => s.Cursor == null && !s.CaughtUp && s.Page.IsEmpty);
        state.Budget.Policy.Should().Be(RateLimitPolicy.Default);
    }

    [Fact]
    public void The_cursor_moves_only_when_the_page_completes_and_progress_inside_it_is_kept_until_then()
    {
        var state = Configured().ApplyAll(
            new TenantEvents.FileProgressed("receipt", "f1", 500, T0.AddMinutes(-30), T0),
            new TenantEvents.FileProgressed("receipt", "f1", 300, T0.AddMinutes(-40), T0), // a late, older report
            new TenantEvents.FileCompleted("receipt", "f2", T0.AddMinutes(-20), T0));

        var receipt = state.Streams["receipt"];
        receipt.Cursor.Should().BeNull();
        receipt.Page.LinesAcknowledged("f1").Should().Be(500);
        receipt.Page.IsDone("f2").Should().BeTrue();
        receipt.NewestEventAt.Should().Be(T0.AddMinutes(-20));

        state = state.ApplyAll(
            new TenantEvents.FileCompleted("receipt", "f1", null, T0),
            new TenantEvents.PageCompleted("receipt", "token-2", CaughtUp: true, T0.AddSeconds(5)));

        receipt = state.Streams["receipt"];
        receipt.Cursor.Should().Be("token-2");
        receipt.CaughtUp.Should().BeTrue();
        receipt.Page.Should().Be(PageProgress.None);
        receipt.LastListedAt.Should().Be(T0.AddSeconds(5));
        state.Streams["process"].Cursor.Should().BeNull();
    }

    [Fact]
    public void A_page_completed_with_its_last_file_moves_the_newest_event_forward_never_back()
    {
        var state = Configured().ApplyAll(
            new TenantEvents.FileCompleted("receipt", "f1", T0.AddMinutes(-20), T0),
            new TenantEvents.PageCompleted("receipt", "token-2", CaughtUp: false, T0, NewestEventAt: T0.AddMinutes(-10)));

        state.Streams["receipt"].NewestEventAt.Should().Be(T0.AddMinutes(-10));
        state.Apply(new TenantEvents.PageCompleted("receipt", "token-3", CaughtUp: false, T0, NewestEventAt: T0.AddMinutes(-30)))
            .Streams["receipt"].NewestEventAt.Should().Be(T0.AddMinutes(-10), "an older page does not move it back");
        state.Apply(new TenantEvents.PageCompleted("receipt", "token-3", CaughtUp: true, T0))
            .Streams["receipt"].NewestEventAt.Should().Be(T0.AddMinutes(-10), "a page without events says nothing of it");
    }

    [Theory]
    [InlineData("c", "", "c", true)]
    [InlineData("a b c", "a b", "c", true)]
    [InlineData("a b c", "a", "c", false)]
    [InlineData("a b c", "a b c", "c", false)]
    public void The_last_file_to_finish_completes_the_page(string page, string done, string file, bool last)
    {
        var progress = new PageProgress([.. done.Split(' ', StringSplitOptions.RemoveEmptyEntries)], System.Collections.Immutable.ImmutableDictionary<string, long>.Empty);

        progress.IsLastToFinish(page.Split(' '), file).Should().Be(last);
    }

    [Fact]
    public void A_new_configuration_keeps_the_cursors_of_the_streams_that_remain()
    {
        var state = Configured().Apply(new TenantEvents.PageCompleted("receipt", "kept", false, T0));

        state = state.Apply(new TenantEvents.Configured(Settings(StreamDefinition.Plan(["receipt", "journal"], grouped: false)), T0));

        state.Streams.Keys.Should().BeEquivalentTo("receipt", "journal");
        state.Streams["receipt"].Cursor.Should().Be("kept");
        state.Streams["journal"].Cursor.Should().BeNull();
    }

    [Fact]
    public void Calls_spent_pauses_and_rate_limits_are_remembered()
    {
        var state = Configured().ApplyAll(
            new TenantEvents.CallsSpent(2, T0),
            new TenantEvents.RateLimited(T0.AddSeconds(30), T0),
            new TenantEvents.RateLimited(T0.AddSeconds(10), T0), // an earlier end never shortens a wait
            new TenantEvents.Paused("Mimecast rejected the client credentials", T0));

        state.Budget.Remaining(T0).Should().Be(48);
        state.RateLimitedUntil.Should().Be(T0.AddSeconds(30));
        state.IsPaused.Should().BeTrue();
        state.Apply(new TenantEvents.Resumed(T0)).IsPaused.Should().BeFalse();
    }

    [Fact]
    public void Events_about_a_stream_that_is_no_longer_configured_change_nothing()
    {
        var state = Configured();

        state.Apply(new TenantEvents.PageCompleted("spam", "x", true, T0)).Should().Be(state);
    }

    [Fact]
    public void Settings_never_hold_a_secret_in_clear()
    {
        var settings = Settings();

        settings.ToString().Should().NotContain("secret\"").And.NotContain("intake-key");
        settings.ClientSecretFingerprint.Should().HaveLength(16).And.NotBe("secret");
        TenantSettings.Fingerprint("secret").Should().Be(settings.ClientSecretFingerprint);
        settings.SameAs(Settings()).Should().BeTrue();
        settings.SameAs(Settings(StreamDefinition.Plan(["receipt", "process"], grouped: true))).Should().BeFalse();
    }

    [Fact]
    public void A_replay_drops_the_cursor_and_the_page_progress_and_starts_the_next_listing_at_the_date()
    {
        var state = Configured().ApplyAll(
            new TenantEvents.PageCompleted("receipt", "token-1", true, T0),
            new TenantEvents.FileCompleted("receipt", "https://s3/a.json.gz", null, T0),
            new TenantEvents.StreamReplayed("receipt", new DateOnly(2026, 11, 25), T0));

        var receipt = state.Streams["receipt"];
        receipt.Cursor.Should().BeNull();
        receipt.CaughtUp.Should().BeFalse();
        receipt.Page.IsEmpty.Should().BeTrue();
        receipt.ReplayFrom.Should().Be(new DateOnly(2026, 11, 25));

        state.Apply(new TenantEvents.PageCompleted("receipt", "token-2", false, T0)).Streams["receipt"].ReplayFrom.Should().BeNull("the cursor carries on from there");
    }
}
