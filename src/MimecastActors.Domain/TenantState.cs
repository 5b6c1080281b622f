using System.Collections.Immutable;

namespace MimecastActors.Domain;

/// <summary>
/// Everything a tenant's puller remembers, changed only by <see cref="Apply"/>. The OAuth token is not here: it
/// lives in memory only, and a restarted puller simply fetches a new one.
/// </summary>
public sealed record TenantState(
    TenantSettings? Settings,
    ImmutableDictionary<string, StreamState> Streams,
    CallBudget Budget,
    DateTimeOffset? RateLimitedUntil,
    string? PausedBecause)
{
    public static readonly TenantState Empty = new(
        null, ImmutableDictionary<string, StreamState>.Empty, CallBudget.Empty(RateLimitPolicy.Default), null, null);

    public bool IsConfigured => Settings is not null;

    public bool IsPaused => PausedBecause is not null;

    public TenantState Apply(ITenantEvent e) => e switch
    {
        TenantEvents.Configured c => Configure(c.Settings),
        TenantEvents.CallsSpent c => this with { Budget = Budget.Spend(c.At, c.Calls) },
        TenantEvents.CallsAnswered a => this with { Budget = Budget.Answered(a.SentAt, a.Calls, a.At) },
        TenantEvents.RateLimited r => this with { RateLimitedUntil = Later(RateLimitedUntil, r.Until) },
        TenantEvents.FileProgressed p => Update(p.Stream, s => s with
        {
            Page = s.Page with { LinesDone = s.Page.LinesDone.SetItem(p.File, Math.Max(p.Lines, s.Page.LinesAcknowledged(p.File))) },
            NewestEventAt = Later(s.NewestEventAt, p.NewestEventAt),
        }),
        TenantEvents.FileCompleted f => Update(f.Stream, s => s with
        {
            Page = s.Page.Complete(f.File),
            NewestEventAt = Later(s.NewestEventAt, f.NewestEventAt),
        }),
        TenantEvents.PageCompleted p => Update(p.Stream, s => s with
        {
            Cursor = p.NextPage,
            CaughtUp = p.CaughtUp,
            LastListedAt = p.At,
            NewestEventAt = Later(s.NewestEventAt, p.NewestEventAt),
            Page = PageProgress.None,
            ReplayFrom = null,
        }),
        TenantEvents.StreamReplayed r => Update(r.Stream, s => s with
        {
            Cursor = null,
            CaughtUp = false,
            Page = PageProgress.None,
            ReplayFrom = r.From,
        }),
        TenantEvents.Paused p => this with { PausedBecause = p.Reason },
        TenantEvents.Resumed => this with { PausedBecause = null },
        _ => throw new ArgumentOutOfRangeException(nameof(e), e.GetType().Name, "not a tenant event"),
    };

    private TenantState Configure(TenantSettings settings)
    {
        // Streams that remain keep their cursor and progress; new ones start at the window; dropped ones are forgotten.
        var streams = settings.Streams.ToImmutableDictionary(
            d => d.Key, d => Streams.TryGetValue(d.Key, out var kept) ? kept : StreamState.New(d));
        return this with { Settings = settings, Streams = streams, Budget = Budget.WithPolicy(settings.RateLimit) };
    }

    private TenantState Update(string stream, Func<StreamState, StreamState> change) =>
        Streams.TryGetValue(stream, out var state) ? this with { Streams = Streams.SetItem(stream, change(state)) } : this;

    private static DateTimeOffset? Later(DateTimeOffset? a, DateTimeOffset? b) => a is null ? b : b is null ? a : a > b ? a : b;
}
