using System.Collections.Immutable;
using System.Diagnostics;

using Akka.Actor;
using Akka.Event;

using MimecastActors.Sekoia;

using static MimecastActors.Actors.ForwarderProtocol;

namespace MimecastActors.Actors;

/// <summary>
/// Delivers one tenant's chunks to its Sekoia intake. At most <see cref="ForwarderSettings.MaxInFlight"/> requests are
/// held; an offer beyond that waits for a free place, so the reader upstream waits too. Offers that waited go out
/// together, as many as one request holds: a tenant with little traffic per type reads many small files, and a
/// request per file cost the intake, the network and the node more than the events did. A request is sent until the
/// intake acknowledges it — retried with backoff for as long as the intake fails, never dropped — or until the
/// intake refuses the tenant, which the parent hears about and answers by pausing with its cursor untouched.
/// Each chunk's acknowledgement is reported as it was offered, whatever request carried it.
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001", Justification = "The stop's cancellation is disposed in PostStop, the end of the actor's life.")]
public sealed class Forwarder : ReceiveActor, IWithTimers
{
    private readonly SekoiaIntakeClient _intake;
    private readonly ForwarderSettings _settings;
    private readonly Queue<(IActorRef Producer, Offer Offer)> _waiting = new();
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly KeyValuePair<string, object?> _tenantTag;

    /// <summary>Cancelled when the forwarder stops: a request it no longer waits for must not go on (with a key refused or replaced, say).</summary>
    private readonly CancellationTokenSource _stopped = new();
    private int _inFlight;
    private long _bytesHeld;

    public Forwarder(SekoiaIntakeClient intake, ForwarderSettings settings, string tenant)
    {
        _tenantTag = PullerMetrics.Tenant(tenant);
        _intake = intake;
        _settings = settings;

        Receive<Offer>(offer =>
        {
            _waiting.Enqueue((Sender, offer));
            Admit();
        });
        Receive<Send>(Start);
        Receive<Sent>(Handle);
    }

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(SekoiaIntakeClient intake, ForwarderSettings settings, string tenant) =>
        Akka.Actor.Props.Create(() => new Forwarder(intake, settings, tenant));

    private void Admit()
    {
        while (_inFlight < _settings.MaxInFlight && _waiting.Count > 0)
        {
            var offers = TakeOneRequest();
            var parts = RequestParts.Of(offers.Select(o => (o.Offer.Origin, o.Offer.Chunk.EventCount)));
            var chunk = RequestBody(offers);
            _inFlight++;
            _bytesHeld += chunk.BodyLength;
            PullerMetrics.InFlight(1, chunk.BodyLength);
            foreach (var (producer, offer) in offers)
            {
                producer.Tell(new Accepted(offer.Origin));
            }

            Self.Tell(new Send(chunk, parts, 0, Stopwatch.GetTimestamp(), chunk.BodyLength));
        }
    }

    /// <summary>The offered chunk, or the offered chunks combined (the combined chunk holds them until its journey ends).</summary>
    private IntakeChunk RequestBody(List<(IActorRef Producer, Offer Offer)> offers) =>
        offers.Count == 1 ? offers[0].Offer.Chunk : _intake.Combine([.. offers.Select(o => o.Offer.Chunk)]);

    /// <summary>The first waiting offer, and those after it that fit in the same request.</summary>
    private List<(IActorRef Producer, Offer Offer)> TakeOneRequest()
    {
        var first = _waiting.Dequeue();
        var offers = new List<(IActorRef Producer, Offer Offer)> { first };
        var (events, bytes) = (first.Offer.Chunk.EventCount, first.Offer.Chunk.BodyLength);
        while (_waiting.TryPeek(out var next))
        {
            var (withNext, bytesWithNext) = (events + next.Offer.Chunk.EventCount, next.Offer.Chunk.BodyBytesAfter(bytes));
            if (!_intake.FitsOneRequest(withNext, bytesWithNext))
            {
                break;
            }

            offers.Add(_waiting.Dequeue());
            (events, bytes) = (withNext, bytesWithNext);
        }

        return offers;
    }

    // The intake client's own limit bounds the node's concurrent requests, whatever the number of tenants.
    private void Start(Send job) =>
        _intake.SendAsync(job.Chunk, _stopped.Token).PipeTo(Self, success: outcome => new Sent(job, outcome), failure: e => new Sent(job, null, e));

    private void Handle(Sent sent)
    {
        var job = sent.Job;
        var attempts = job.Attempts + (sent.Outcome?.Attempts ?? 1);
        PullerMetrics.IntakeRequests.Add(sent.Outcome?.Attempts ?? 1, _tenantTag, new("status", StatusOf(sent.Outcome)));
        if (sent.Outcome?.Attempts > 1)
        {
            PullerMetrics.IntakeRetries.Add(sent.Outcome.Attempts - 1, _tenantTag);
        }

        switch (sent.Outcome)
        {
            case IntakeOutcome.Acknowledged:
                Continue(job, acknowledged: job.Chunk.EventCount, attempts, TimeSpan.Zero);
                break;

            case IntakeOutcome.TooLarge tooLarge:
                var index = tooLarge.AcknowledgedCount;
                var (origin, indexInChunk) = job.Parts.Locate(index);
                Context.Parent.Tell(new EventSetAside(origin, indexInChunk, job.Chunk.GetEvent(index), tooLarge.Message));
                Continue(job, acknowledged: index + 1, attempts, TimeSpan.Zero);
                break;

            case IntakeOutcome.Fatal fatal:
                // A split request may have had its first half acknowledged before the refusal: those are delivered.
                var (_, refused) = Report(job.Parts, fatal.AcknowledgedCount, attempts);
                Context.Parent.Tell(new IntakeRefused(refused.IsEmpty ? job.Parts.First : refused.First, fatal.Message));
                Done(job);
                break;

            case IntakeOutcome.RetryLater retry:
                Retry(job, retry.AcknowledgedCount, attempts, retry.RetryAfter, retry.Reason);
                break;

            default:
                // The client classifies every HTTP answer; an exception here is a bug or a cancellation: retry, never drop.
                Retry(job, 0, attempts, null, sent.Error?.Message ?? "no outcome");
                break;
        }
    }

    private void Retry(Send job, int acknowledged, int attempts, TimeSpan? retryAfter, string reason)
    {
        var delay = _settings.Backoff(attempts, retryAfter, Random.Shared);
        _log.Warning("Chunk of {0} not delivered after {1} attempts, again in {2}: {3}", job.Parts, attempts, delay, reason);
        Context.Parent.Tell(new Retrying(job.Parts.First, attempts, delay, reason));
        Continue(job, acknowledged, attempts, delay);
    }

    /// <summary>Reports the chunks the intake's acknowledgement completed, and goes on with what it has not acknowledged yet.</summary>
    private void Continue(Send job, int acknowledged, int attempts, TimeSpan delay)
    {
        var (_, parts) = Report(job.Parts, acknowledged, attempts);
        if (parts.IsEmpty)
        {
            Done(job);
            return;
        }

        var rest = job with { Parts = parts, Attempts = attempts };
        if (acknowledged > 0)
        {
            rest = rest with { Chunk = job.Chunk.Skip(acknowledged) };
            job.Chunk.Dispose(); // the rest is a copy
        }

        if (delay <= TimeSpan.Zero)
        {
            Self.Tell(rest);
        }
        else
        {
            Timers.StartSingleTimer(rest, rest, delay);
        }
    }

    /// <summary>Tells the puller which chunks the intake's first <paramref name="acknowledged"/> events completed.</summary>
    /// <returns>The chunks completed, and the parts of the request not yet acknowledged.</returns>
    private static (ImmutableArray<RequestPart> Completed, RequestParts Left) Report(RequestParts parts, int acknowledged, int attempts)
    {
        var (completed, rest) = parts.Acknowledge(acknowledged);
        if (completed.Length == 1)
        {
            Context.Parent.Tell(new Delivered(completed[0].Origin, completed[0].Events, attempts));
        }
        else if (completed.Length > 1)
        {
            Context.Parent.Tell(new DeliveredTogether([.. completed.Select(part => new Delivered(part.Origin, part.Events, attempts))]));
        }

        return (completed, rest);
    }

    /// <summary>The chunk's journey ended (acknowledged or refused, and its request finished): its buffer goes back to the pool.</summary>
    private void Done(Send job)
    {
        job.Chunk.Dispose();
        _inFlight--;
        _bytesHeld -= job.Bytes;
        PullerMetrics.InFlight(-1, -job.Bytes);
        PullerMetrics.ForwardDuration.Record(Stopwatch.GetElapsedTime(job.StartedAt).TotalSeconds, _tenantTag);
        Admit();
    }

    private static string StatusOf(IntakeOutcome? outcome) => outcome switch
    {
        IntakeOutcome.Acknowledged => "200",
        IntakeOutcome.TooLarge => "413",
        IntakeOutcome.Fatal fatal => fatal.StatusCode.ToString(System.Globalization.CultureInfo.InvariantCulture),
        IntakeOutcome.RetryLater { StatusCode: { } code } => code.ToString(System.Globalization.CultureInfo.InvariantCulture),
        _ => "none",
    };

    protected override void PostStop()
    {
        // Chunks still held leave with the forwarder (the next owner of the tenant, or the next forwarder after a pause,
        // sends them again) and their requests are cancelled; their buffers are left to the garbage collector, since a
        // request may still be reading one.
        PullerMetrics.InFlight(-_inFlight, -_bytesHeld);
        _stopped.Cancel();
        _stopped.Dispose(); // a request still on its way sees the token cancelled: a disposed source keeps that

        base.PostStop();
    }

    /// <summary>One delivery attempt of (what is left of) a request.</summary>
    /// <param name="Chunk">The request's body: one offered chunk, or several combined.</param>
    /// <param name="StartedAt">When the request was taken (a <see cref="Stopwatch"/> timestamp), for the forward duration.</param>
    /// <param name="Bytes">The request's body when taken, for the node's bytes in flight.</param>
    private sealed record Send(IntakeChunk Chunk, RequestParts Parts, int Attempts, long StartedAt, long Bytes);

    private sealed record Sent(Send Job, IntakeOutcome? Outcome, Exception? Error = null);
}
