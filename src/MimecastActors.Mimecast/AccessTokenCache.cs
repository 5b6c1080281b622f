namespace MimecastActors.Mimecast;

/// <summary>A bearer token, when it stops working, and how long it was issued for.</summary>
public sealed record AccessToken(string Value, DateTimeOffset ExpiresAt, TimeSpan Lifetime)
{
    public override string ToString() => $"AccessToken {{ ExpiresAt = {ExpiresAt:O} }}";
}

/// <summary>
/// One tenant's OAuth token: reused while fresh, replaced ahead of expiry, fetched once for all concurrent callers.
/// A failed fetch leaves nothing behind: the next caller simply starts a new one (the Sekoia module's lock stayed
/// held forever after one failure).
/// </summary>
internal sealed class AccessTokenCache(Func<CancellationToken, Task<AccessToken>> fetch, TimeProvider time, TimeSpan refreshAhead)
{
    private readonly Lock _gate = new();
    private AccessToken? _current;
    private Task<AccessToken>? _inflight;

    public async Task<AccessToken> GetAsync(CancellationToken cancel)
    {
        Task<AccessToken> pending;
        lock (_gate)
        {
            if (_current is { } token && IsFresh(token))
            {
                return token;
            }

            pending = _inflight ??= FetchAndKeepAsync();
        }

        // One caller giving up does not cancel the fetch the others wait for.
        return await pending.WaitAsync(cancel);
    }

    /// <summary>Forgets a token the API refused, unless a newer one already replaced it.</summary>
    public void Invalidate(AccessToken refused)
    {
        lock (_gate)
        {
            if (ReferenceEquals(_current, refused))
            {
                _current = null;
            }
        }
    }

    private bool IsFresh(AccessToken token)
    {
        // A token issued for less than twice the refresh margin is replaced at half its life instead.
        var ahead = TimeSpan.FromTicks(Math.Min(refreshAhead.Ticks, token.Lifetime.Ticks / 2));
        return time.GetUtcNow() < token.ExpiresAt - ahead;
    }

    private async Task<AccessToken> FetchAndKeepAsync()
    {
        await Task.Yield(); // return to GetAsync first, so that _inflight is set before it is cleared below
        try
        {
            var token = await fetch(CancellationToken.None);
            lock (_gate)
            {
                _current = token;
            }

            return token;
        }
        finally
        {
            lock (_gate)
            {
                _inflight = null;
            }
        }
    }
}
