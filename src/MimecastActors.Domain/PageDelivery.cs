using System.Collections.Immutable;

namespace MimecastActors.Domain;

/// <summary>
/// The page a stream is delivering, and how far each of its files got: what to read next, what a read's end or a
/// chunk's acknowledgement means for the checkpoint. In memory only: the journal holds <see cref="PageProgress"/>,
/// from which a restarted puller lists the page again and builds a new delivery. Each decision returns the delivery
/// that follows and the steps the puller carries out, in order; it never does I/O.
/// </summary>
/// <param name="Files">The page's file identities, in the listing's order (read one at a time, in that order).</param>
/// <param name="Reading">The file being read now, if any.</param>
/// <param name="NeedsRelist">A URL expired or was refused: the page must be listed again (same cursor) before reading on.</param>
/// <param name="ReadFailures">Reads of this page that failed in a row, for the stream's own backoff (a new page starts again at the shortest).</param>
public sealed record PageDelivery(
    string Stream,
    ImmutableArray<string> Files,
    string NextPage,
    bool CaughtUp,
    ImmutableDictionary<string, FileTrack> Tracks,
    string? Reading,
    bool NeedsRelist,
    int ReadFailures)
{
    public static PageDelivery Begin(string stream, IEnumerable<string> files, string nextPage, bool caughtUp) =>
        new(stream, [.. files], nextPage, caughtUp, ImmutableDictionary.Create<string, FileTrack>(StringComparer.Ordinal), null, false, 0);

    /// <summary>The same page listed again: fresh URLs for the same files; what each file got to is kept.</summary>
    public PageDelivery Relisted(IEnumerable<string> files, string nextPage, bool caughtUp) =>
        this with { Files = [.. files], NextPage = nextPage, CaughtUp = caughtUp, NeedsRelist = false };

    /// <summary>The listing answered empty for this page in progress: list it again rather than take that as its end.</summary>
    public PageDelivery MustRelist() => this with { NeedsRelist = true };

    /// <summary>
    /// The next file to read: the first, in the page's order, neither done (journaled) nor read to its end here. No
    /// file left and every file done completes the page (an empty page at once).
    /// </summary>
    public DeliveryDecision ReadNext(PageProgress progress, DateTimeOffset now)
    {
        if (Reading is not null || NeedsRelist)
        {
            return Unchanged;
        }

        var next = Files.FirstOrDefault(f => !progress.IsDone(f) && Tracks.GetValueOrDefault(f)?.ReadComplete != true);
        if (next is null)
        {
            return Files.All(progress.IsDone) ? Completed(newestEventAt: null, now) : Unchanged;
        }

        var track = Tracks.GetValueOrDefault(next) ?? FileTrack.Start(progress.LinesAcknowledged(next));
        return new(this with { Reading = next, Tracks = Tracks.SetItem(next, track) }, [new DeliveryStep.Read(next, track.OfferedThrough, track.SetAsideThrough)]);
    }

    /// <summary>A read of <paramref name="file"/> ended.</summary>
    /// <param name="offeredThrough">Every line up to this one is in a chunk the forwarder took; null if the read failed before saying.</param>
    /// <param name="setAsideThrough">Every rejected line up to this one is recorded; null if the read failed before saying.</param>
    /// <param name="retries">Reads that end early, or listings whose URL is refused for good, before what is left of the file is set aside.</param>
    public DeliveryDecision ReadEnded(string file, long? offeredThrough, long? setAsideThrough, ReadEnd end, int retries, PageProgress progress, DateTimeOffset now)
    {
        if (!Tracks.TryGetValue(file, out var track))
        {
            return Unchanged;
        }

        var delivery = this with { Reading = null };
        track = track with
        {
            OfferedThrough = offeredThrough ?? track.OfferedThrough,
            SetAsideThrough = Math.Max(track.SetAsideThrough, setAsideThrough ?? 0),
        };
        var decision = end switch
        {
            ReadEnd.Whole =>
                (delivery with { ReadFailures = 0 }).Finished(file, track, [], progress, now),
            ReadEnd.Truncated truncated when track.Truncations + 1 >= retries =>
                // Read again and again it ends early: the unreadable tail is set aside, with its position, and the page goes on.
                delivery.Finished(file, track with { Truncations = track.Truncations + 1 },
                    [new DeliveryStep.SetAsideRest(file, truncated.LinesRead + 1, "Truncated", truncated.Reason, truncated.CompressedBytes, track.Truncations + 1)],
                    progress, now),
            ReadEnd.Truncated truncated =>
                delivery.WithTrack(file, track with { Truncations = track.Truncations + 1 }).ReadAgainLater(truncated.Reason),
            ReadEnd.Expired expired =>
                // Never skip a file: list the same page again (same cursor) for fresh URLs.
                new(delivery.WithTrack(file, track) with { NeedsRelist = true }, [new DeliveryStep.ListAgain(expired.Message, Backoff: false)]),
            ReadEnd.Refused refused when track.Refusals + 1 >= retries =>
                // Refused on as many listings of its page: the source no longer holds it, and waiting would stop the stream for good.
                delivery.Finished(file, track with { Refusals = track.Refusals + 1 },
                    [new DeliveryStep.SetAsideRest(file, track.OfferedThrough + 1, "Unreadable", refused.Message, 0, track.Refusals + 1)],
                    progress, now),
            ReadEnd.Refused refused =>
                // Not a file to read again as it is: list the page again for a fresh URL, as for an expired one.
                new(delivery.WithTrack(file, track with { Refusals = track.Refusals + 1 }) with { NeedsRelist = true },
                    [new DeliveryStep.ListAgain(refused.Message, Backoff: true)]),
            ReadEnd.Failed failed =>
                delivery.WithTrack(file, track).ReadAgainLater(failed.Message),
            _ => new(delivery.WithTrack(file, track), []),
        };

        // The file stays unfinished: what was acknowledged meanwhile is journaled now.
        return decision.Delivery?.Tracks.GetValueOrDefault(file) is { ReadComplete: false } unfinished
            && unfinished.Acks.Through > progress.LinesAcknowledged(file)
            ? new(decision.Delivery.WithTrack(file, unfinished with { NewestUnrecorded = null }),
                [.. decision.Steps, new DeliveryStep.Record(new TenantEvents.FileProgressed(Stream, file, unfinished.Acks.Through, unfinished.NewestUnrecorded, now))])
            : decision;
    }

    /// <summary>The intake acknowledged the chunk of <paramref name="file"/> covering lines <paramref name="firstLine"/>..<paramref name="lastLine"/>.</summary>
    /// <param name="endsRead">The chunk was the last of its read: that read's end, still to come, completes the file or journals this.</param>
    public DeliveryDecision Acknowledged(
        string file, long firstLine, long lastLine, DateTimeOffset? newestEventAt, bool endsRead, PageProgress progress, DateTimeOffset now)
    {
        if (!Tracks.TryGetValue(file, out var track))
        {
            return Unchanged;
        }

        var acked = track with { Acks = track.Acks.Ack(firstLine, lastLine) };
        var delivery = WithTrack(file, acked);

        // The acknowledgement that completes a file is journaled once, as the completion: most files fit in one chunk,
        // and a progress event right before it would double the journal's writes for nothing.
        if (delivery.TryComplete(file, acked, newestEventAt, progress, now) is { } completed)
        {
            return completed;
        }

        if (acked.Acks.Through <= track.Acks.Through)
        {
            return new(delivery, []);
        }

        if (endsRead && !acked.ReadComplete && Reading == file)
        {
            return new(delivery.WithTrack(file, acked with { NewestUnrecorded = newestEventAt ?? acked.NewestUnrecorded }), []);
        }

        return new(delivery, [new DeliveryStep.Record(new TenantEvents.FileProgressed(Stream, file, acked.Acks.Through, newestEventAt, now))]);
    }

    private DeliveryDecision Unchanged => new(this, []);

    private PageDelivery WithTrack(string file, FileTrack track) => this with { Tracks = Tracks.SetItem(file, track) };

    private DeliveryDecision ReadAgainLater(string reason) =>
        new(this with { ReadFailures = ReadFailures + 1 }, [new DeliveryStep.ReadAgainLater(reason, ReadFailures + 1)]);

    /// <summary>The file was read to its end, or what is left of it set aside: it completes once every chunk offered from it is acknowledged.</summary>
    private DeliveryDecision Finished(string file, FileTrack track, IReadOnlyList<DeliveryStep> before, PageProgress progress, DateTimeOffset now)
    {
        var finished = track with { ReadComplete = true };
        var delivery = WithTrack(file, finished);
        return delivery.TryComplete(file, finished, track.NewestUnrecorded, progress, now) is { } completed
            ? new(completed.Delivery, [.. before, .. completed.Steps])
            : new(delivery, before);
    }

    /// <summary>A file is done when it was read to its end and every chunk offered from it is acknowledged; null if it is not yet.</summary>
    private DeliveryDecision? TryComplete(string file, FileTrack track, DateTimeOffset? newestEventAt, PageProgress progress, DateTimeOffset now)
    {
        if (!track.ReadComplete || track.Acks.Through < track.OfferedThrough || progress.IsDone(file))
        {
            return null;
        }

        if (Reading is null && progress.IsLastToFinish(Files, file))
        {
            // The page's last file: one event says both, as most pages hold one file or few.
            return Completed(newestEventAt, now);
        }

        var next = ReadNext(progress.Complete(file), now);
        return new(next.Delivery, [new DeliveryStep.Record(new TenantEvents.FileCompleted(Stream, file, newestEventAt, now)), .. next.Steps]);
    }

    private DeliveryDecision Completed(DateTimeOffset? newestEventAt, DateTimeOffset now) =>
        new(null, [new DeliveryStep.Record(new TenantEvents.PageCompleted(Stream, NextPage, CaughtUp, now, newestEventAt))]);
}

/// <summary>How far one file of the page got, in memory.</summary>
/// <param name="OfferedThrough">Lines up to here are in chunks the forwarder took: a new read starts after them.</param>
/// <param name="ReadComplete">Read to its end, or what is left of it set aside.</param>
/// <param name="Truncations">Reads that ended early.</param>
/// <param name="NewestUnrecorded">The newest event of acknowledged lines whose journaling waits for the read's end.</param>
/// <param name="Refusals">Reads refused for good (404 …), each followed by a listing of the page for a fresh URL.</param>
/// <param name="SetAsideThrough">Rejected lines up to here are recorded: lines after the last offered are read again, and not recorded twice.</param>
public sealed record FileTrack(
    FileAcks Acks, long OfferedThrough, bool ReadComplete, int Truncations, DateTimeOffset? NewestUnrecorded = null, int Refusals = 0, long SetAsideThrough = 0)
{
    /// <summary>A file first read here, after the lines the journal says are already acknowledged.</summary>
    public static FileTrack Start(long linesDone) => new(FileAcks.From(linesDone), linesDone, false, 0);
}

/// <summary>What follows a decision about a page: the delivery as it now stands (null: the page is complete), and the steps to carry out, in order.</summary>
public sealed record DeliveryDecision(PageDelivery? Delivery, IReadOnlyList<DeliveryStep> Steps);

/// <summary>Something the puller does because of a decision about a page.</summary>
public abstract record DeliveryStep
{
    /// <summary>Journal this: a file's progress or completion, or the page's completion.</summary>
    public sealed record Record(ITenantEvent Event) : DeliveryStep;

    /// <summary>Read <paramref name="File"/> after its first <paramref name="Skip"/> lines, which are already offered or acknowledged.</summary>
    /// <param name="SetAsideThrough">Rejected lines up to this one are already recorded: not again.</param>
    public sealed record Read(string File, long Skip, long SetAsideThrough = 0) : DeliveryStep;

    /// <summary>The file could not be read for now: read on after the stream's backoff for this many failures in a row.</summary>
    public sealed record ReadAgainLater(string Reason, int Failures) : DeliveryStep;

    /// <summary>List the page again for fresh URLs: at once, or after the tenant's listing backoff.</summary>
    public sealed record ListAgain(string Reason, bool Backoff) : DeliveryStep;

    /// <summary>What is left of <paramref name="File"/> from <paramref name="Line"/> cannot be read however often it is tried: set it aside where the README says.</summary>
    public sealed record SetAsideRest(string File, long Line, string Reason, string Detail, long CompressedBytes, int Reads) : DeliveryStep;
}

/// <summary>How a read of a batch file ended, in the puller's terms.</summary>
public abstract record ReadEnd
{
    /// <summary>Read to its end: every line was offered or set aside.</summary>
    public sealed record Whole : ReadEnd;

    /// <summary>The file ended before its end (cut off, or its gzip is broken there): worth reading again, a few times.</summary>
    public sealed record Truncated(long LinesRead, string Reason, long CompressedBytes) : ReadEnd;

    /// <summary>The pre-signed URL expired: list the page again for a fresh one.</summary>
    public sealed record Expired(string Message) : ReadEnd;

    /// <summary>Refused for good (404 …): list the page again for a fresh URL, a few times.</summary>
    public sealed record Refused(string Message) : ReadEnd;

    /// <summary>Could not be read for now (5xx, a broken connection): read again after a backoff.</summary>
    public sealed record Failed(string Message) : ReadEnd;

    /// <summary>The read was cancelled: the tenant paused or stopped.</summary>
    public sealed record Cancelled : ReadEnd;
}
