using System.Collections.Immutable;

namespace MimecastActors.Domain;

/// <summary>
/// Where one stream stands. <see cref="Cursor"/> is the `nextPage` token that lists the page being delivered (null:
/// the start of the retention window). It moves to the page's `@nextPage` only when the intake has acknowledged
/// every event of every file of the page; until then <see cref="Page"/> says what is already delivered, so a
/// restart re-lists the same page (fresh URLs), skips finished files and resumes the others where they stopped.
/// <see cref="ReplayFrom"/>: without a cursor, the first listing starts at this date (an operator's replay).
/// </summary>
public sealed record StreamState(
    StreamDefinition Definition,
    string? Cursor,
    bool CaughtUp,
    DateTimeOffset? LastListedAt,
    DateTimeOffset? NewestEventAt,
    PageProgress Page,
    DateOnly? ReplayFrom = null)
{
    public static StreamState New(StreamDefinition definition) => new(definition, null, false, null, null, PageProgress.None);

    public string Key => Definition.Key;

    /// <summary>The date the next listing starts from: a replay's, until its first page is done; none with a cursor.</summary>
    public DateOnly? StartsAt => Cursor is null ? ReplayFrom : null;

    /// <summary>How far behind the newest forwarded event is; unknown (null) before the first one.</summary>
    public TimeSpan? Lag(DateTimeOffset now) => NewestEventAt is { } newest ? now - newest : null;
}

/// <summary>What of the page in progress is delivered: whole files, and lines of files begun (by file identity, the URL without its query).</summary>
public sealed record PageProgress(ImmutableHashSet<string> FilesDone, ImmutableDictionary<string, long> LinesDone)
{
    public static readonly PageProgress None = new([], ImmutableDictionary<string, long>.Empty);

    public bool IsEmpty => FilesDone.IsEmpty && LinesDone.IsEmpty;

    /// <summary>Lines of a file already acknowledged: a resumed read skips them.</summary>
    public long LinesAcknowledged(string file) => LinesDone.GetValueOrDefault(file);

    public bool IsDone(string file) => FilesDone.Contains(file);

    /// <summary>The progress once <paramref name="file"/> is done: whole, so its lines need no count.</summary>
    public PageProgress Complete(string file) => new(FilesDone.Add(file), LinesDone.Remove(file));

    /// <summary>Whether <paramref name="file"/> is the last of the page's files still to finish: its completion completes the page.</summary>
    public bool IsLastToFinish(IEnumerable<string> pageFiles, string file) =>
        !IsDone(file) && pageFiles.All(f => f == file || IsDone(f));
}
