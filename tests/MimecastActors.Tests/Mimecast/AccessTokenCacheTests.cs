using Microsoft.Extensions.Time.Testing;

using MimecastActors.Mimecast;

namespace MimecastActors.Tests.Mimecast;

public sealed class AccessTokenCacheTests
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 20, 12, 0, 0, TimeSpan.Zero));
    private int _fetches;

    private Task<AccessToken> Issue(CancellationToken _) =>
        Task.FromResult(new AccessToken($"t{Interlocked.Increment(ref _fetches)}", _time.GetUtcNow().AddSeconds(1799), TimeSpan.FromSeconds(1799)));

    [Fact]
    public async Task A_fresh_token_is_reused_and_replaced_ahead_of_expiry()
    {
        var cache = new AccessTokenCache(Issue, _time, TimeSpan.FromMinutes(2));
        var first = await cache.GetAsync(CancellationToken.None);

        _time.Advance(TimeSpan.FromSeconds(1799 - 121));
        (await cache.GetAsync(CancellationToken.None)).Should().BeSameAs(first);
        _time.Advance(TimeSpan.FromSeconds(2));
        (await cache.GetAsync(CancellationToken.None)).Value.Should().Be("t2");
    }

    [Fact]
    public async Task A_short_lived_token_is_replaced_at_half_its_life()
    {
        var cache = new AccessTokenCache(
            _ => Task.FromResult(new AccessToken($"t{++_fetches}", _time.GetUtcNow().AddSeconds(60), TimeSpan.FromSeconds(60))), _time, TimeSpan.FromMinutes(2));
        await cache.GetAsync(CancellationToken.None);

        _time.Advance(TimeSpan.FromSeconds(29));
        (await cache.GetAsync(CancellationToken.None)).Value.Should().Be("t1");
        _time.Advance(TimeSpan.FromSeconds(2));
        (await cache.GetAsync(CancellationToken.None)).Value.Should().Be("t2");
    }

    [Fact]
    public async Task Concurrent_callers_wait_for_one_fetch()
    {
        var gate = new TaskCompletionSource<AccessToken>();
        var cache = new AccessTokenCache(_ => { Interlocked.Increment(ref _fetches); return gate.Task; }, _time, TimeSpan.FromMinutes(2));

        var waiting = Enumerable.Range(0, 10).Select(_ => cache.GetAsync(CancellationToken.None)).ToList();
        await Task.Delay(50);
        gate.SetResult(new AccessToken("shared", _time.GetUtcNow().AddMinutes(30), TimeSpan.FromMinutes(30)));

        (await Task.WhenAll(waiting)).Should().OnlyContain(t => t.Value == "shared");
        _fetches.Should().Be(1);
    }

    [Fact]
    public async Task A_failed_fetch_is_seen_by_its_waiters_and_the_next_call_fetches_again()
    {
        var fail = true;
        var cache = new AccessTokenCache(
            _ => fail ? Task.FromException<AccessToken>(new InvalidOperationException("down")) : Issue(default), _time, TimeSpan.FromMinutes(2));

        var failing = () => cache.GetAsync(CancellationToken.None);
        await failing.Should().ThrowAsync<InvalidOperationException>();

        fail = false;
        (await cache.GetAsync(CancellationToken.None)).Value.Should().Be("t1");
    }

    [Fact]
    public async Task A_caller_that_gives_up_does_not_cancel_the_others()
    {
        var gate = new TaskCompletionSource<AccessToken>();
        var cache = new AccessTokenCache(_ => gate.Task, _time, TimeSpan.FromMinutes(2));
        using var impatient = new CancellationTokenSource();

        var givingUp = cache.GetAsync(impatient.Token);
        var patient = cache.GetAsync(CancellationToken.None);
        await impatient.CancelAsync();
        gate.SetResult(new AccessToken("late", _time.GetUtcNow().AddMinutes(30), TimeSpan.FromMinutes(30)));

        await ((Func<Task>)(() => givingUp)).Should().ThrowAsync<OperationCanceledException>();
        (await patient).Value.Should().Be("late");
    }

    [Fact]
    public async Task Invalidating_a_refused_token_forces_a_new_fetch_but_not_when_already_replaced()
    {
        var cache = new AccessTokenCache(Issue, _time, TimeSpan.FromMinutes(2));
        var first = await cache.GetAsync(CancellationToken.None);

        cache.Invalidate(first);
        var second = await cache.GetAsync(CancellationToken.None);
        cache.Invalidate(first); // a late report about the old token

        (await cache.GetAsync(CancellationToken.None)).Should().BeSameAs(second);
        second.Value.Should().Be("t2");
    }
}
