using System.Diagnostics.CodeAnalysis;

using Akka.Actor;
using Akka.Cluster.Sharding;
using Akka.Event;
using Akka.Hosting;
using Akka.Persistence;

using MimecastActors.Domain;
using MimecastActors.Mimecast;
using MimecastActors.Sekoia;

using static MimecastActors.Actors.ForwarderProtocol;

namespace MimecastActors.Actors;

/// <summary>
/// One tenant: owns its OAuth token (in memory), its cursors and its rate-limit budget (in the journal). It lists
/// pages when <see cref="PullScheduler"/> says so, reads their files into the forwarder, and moves a cursor only
/// when every file of the page is delivered or set aside. Decisions live in the domain; this class does the I/O.
/// </summary>
[SuppressMessage("Design", "CA1001", Justification = "The reading cancellation is disposed in PostStop, the end of the actor's life.")]
public sealed class TenantPuller : ReceivePersistentActor, IWithTimers
{
    private readonly string _tenantId;
    private readonly PullerServices _services;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly Dictionary<string, Delivering> _deliveries = new(StringComparer.Ordinal);
    private TenantState _state = TenantState.Empty;
    private MimecastApiClient? _api;
    private SekoiaIntakeClient? _intake;
    private IActorRef _forwarder = ActorRefs.Nobody;
    private int _forwarders;
    private bool _pausedBeforeStart;
    private CancellationTokenSource _reading = new();
    private readonly HashSet<string> _listing = new(StringComparer.Ordinal);
    private int _listingFailures;
    private readonly Dictionary<ChunkOrigin, int> _setAsideUndelivered = [];
    private DateTimeOffset _notBefore = DateTimeOffset.MinValue;
    private long _eventsDelivered;
    private long _linesRejected;
    private readonly Queue<TenantProtocol.RejectedLine> _recentlyRejected = new();
    private string? _lastError;
    private bool _hosted;
    private int _generation;
    private bool _stopping;

    public TenantPuller(string tenantId, PullerServices services)
    {
        _tenantId = tenantId;
        _services = services;

        Recover<SnapshotOffer>(offer => _state = (TenantState)offer.Snapshot);
        Recover<ITenantEvent>(e => _state = _state.Apply(e));
        Recover<RecoveryCompleted>(_ => Self.Tell(Begin.Instance));

        Command<Begin>(_ => Configure());
        Command<Tick>(_ => PullNext());
        Command<Listed>(OnListed);
        Command<ReadAgain>(again => ReadNext(again.Stream));
        Command<FileDone>(OnFileDone);
        Command<Delivered>(OnDelivered);
        Command<DeliveredTogether>(together =>
        {
            foreach (var delivered in together.Chunks)
            {
                OnDelivered(delivered); // the checkpoints of one command are journaled in one write
            }
        });
        Command<EventSetAside>(OnEventSetAside);
        Command<IntakeRefused>(refused => Pause($"the intake refused this tenant: {refused.Reason}"));
        Command<Retrying>(retrying => _lastError = retrying.Reason);
        Command<TenantRegistryProtocol.Found>(OnFound);
        Command<RegistryUnanswered>(silent =>
        {
            _lastError = $"the tenant registry did not answer: {silent.Reason}";
            _log.Warning("Tenant {0}: the tenant registry did not answer ({1}); asking again", _tenantId, silent.Reason);
            Timers.StartSingleTimer(Begin.Instance, Begin.Instance, _services.Settings.MinBackoff);
        });
        Command<ConfirmConfiguration>(_ => FindInRegistry(found => new ConfigurationConfirmed(found), _ => new ConfigurationConfirmed(null)));
        Command<ConfigurationConfirmed>(confirmed => OnConfirmed(confirmed.Found));
        Command<TenantProtocol.ConfigurationChanged>(_ => Restart("its configuration changed"));
        Command<TenantProtocol.Start>(start =>
        {
            if (_stopping)
            {
                // The Start that follows a change reaches this incarnation before it stops. Back to the shard, after
                // the Passivate: it holds it until this incarnation has stopped, then starts the next one with it.
                Context.Parent.Forward(start);
            }
        });
        Command<TenantProtocol.GetStatus>(_ => Sender.Tell(Status()));
        Command<TenantProtocol.PauseTenant>(pause =>
        {
            Pause($"paused by an operator: {pause.Reason}");
            Sender.Tell(Status());
        });
        Command<TenantProtocol.ReplayTenant>(replay =>
        {
            foreach (var stream in _state.Streams.Keys.Where(s => replay.Stream is null || s == replay.Stream).ToList())
            {
                // A read in progress finishes on its own; its result is ignored (older generation).
                _deliveries.Remove(stream);
                Record(new TenantEvents.StreamReplayed(stream, replay.From, Now));
            }

            _log.Info("Tenant {0}: {1} sent again from {2} at an operator's request", _tenantId, replay.Stream ?? "every stream", replay.From);
            Self.Tell(Tick.Instance);
            Sender.Tell(Status());
        });
        Command<TenantProtocol.ResumeTenant>(_ =>
        {
            if (_state.IsPaused)
            {
                _log.Info("Tenant {0} resumed by an operator", _tenantId);
                _listingFailures = 0;
                _lastError = null;
                _notBefore = DateTimeOffset.MinValue;
                if (_forwarder.IsNobody() && _intake is not null)
                {
                    _forwarder = NewForwarder(_intake);
                }

                Record(new TenantEvents.Resumed(Now));
                Self.Tell(Tick.Instance);
            }

            Sender.Tell(Status());
        });
        Command<TenantProtocol.HandOff>(_ => Context.Stop(Self));
        Command<SaveSnapshotSuccess>(saved =>
        {
            DeleteMessages(saved.Metadata.SequenceNr);
            DeleteSnapshots(new SnapshotSelectionCriteria(saved.Metadata.SequenceNr - 1));
        });
        Command<SaveSnapshotFailure>(failed => _log.Warning("Snapshot of tenant {0} failed: {1}", _tenantId, failed.Cause.Message));
        Command<DeleteMessagesFailure>(failed => _log.Warning("Deleting old events of tenant {0} failed: {1}", _tenantId, failed.Cause.Message));
        Command<DeleteMessagesSuccess>(_ => { });
        Command<DeleteSnapshotsSuccess>(_ => { });
        Command<DeleteSnapshotsFailure>(_ => { });
    }

    /// <summary>The registry is a singleton: while it moves to another node, a starting tenant asks again.</summary>
    private static readonly TimeSpan RegistryTimeout = TimeSpan.FromSeconds(5);

    public override string PersistenceId => $"tenant-{_tenantId}";

    public ITimerScheduler Timers { get; set; } = null!;

    private DateTimeOffset Now => _services.Time.GetUtcNow();

    public static Props Props(string tenantId, PullerServices services) => Akka.Actor.Props.Create(() => new TenantPuller(tenantId, services));

    /// <summary>
    /// A failing forwarder takes the tenant down with it: restarted alone it would forget the chunks it holds and the
    /// readers waiting on it. The tenant's restart recovers from its journal, which re-sends at most those chunks.
    /// </summary>
    protected override SupervisorStrategy SupervisorStrategy() => new OneForOneStrategy(_ => Directive.Escalate);

    protected override void PostStop()
    {
        if (_hosted)
        {
            PullerMetrics.TenantsHosted.Add(-1);
            PullerMetrics.Forget(_tenantId);
        }

        _reading.Cancel();
        _reading.Dispose();
        base.PostStop();
    }

    /// <summary>
    /// Finds the tenant's configuration: the node's configuration file first (it wins), else the registry of tenants
    /// added through the admin API. No configuration anywhere: the tenant stops and its journal is kept.
    /// </summary>
    private void Configure()
    {
        if (_api is not null)
        {
            return;
        }

        if (_services.Directory.Find(_tenantId) is { } configured)
        {
            Start(configured);
        }
        else if (!FindInRegistry(found => found, e => new RegistryUnanswered(e.Message)))
        {
            Retire("is not in this node's configuration");
        }
    }

    /// <summary>Asks the registry of tenants added through the admin API for this one; false if the node runs no registry.</summary>
    private bool FindInRegistry(Func<TenantRegistryProtocol.Found, object> answered, Func<Exception, object> unanswered)
    {
        if (!ActorRegistry.For(Context.System).TryGet<TenantRegistryProxy>(out var registry))
        {
            return false;
        }

        registry.Ask<TenantRegistryProtocol.Found>(new TenantRegistryProtocol.FindTenant(_tenantId), RegistryTimeout).PipeTo(Self, success: answered, failure: unanswered);
        return true;
    }

    private void OnFound(TenantRegistryProtocol.Found found)
    {
        if (found.Tenant is not { } registered)
        {
            Retire("is neither in this node's configuration nor added through the admin API");
            return;
        }

        TenantConfiguration configuration;
        try
        {
            configuration = TenantConfiguration.Open(registered, _services.Secrets);
        }
        catch (SecretBoxException e)
        {
            // A node with another key: it cannot pull for this tenant, and must not pretend to; another node may.
            _lastError = $"cannot start: {e.Message}";
            _log.Error("Tenant {0} cannot start: {1}; trying again in {2}", _tenantId, e.Message, _services.Settings.MaxBackoff);
            Timers.StartSingleTimer(Begin.Instance, Begin.Instance, _services.Settings.MaxBackoff);
            return;
        }

        Start(configuration);
        Timers.StartPeriodicTimer(ConfirmConfiguration.Instance, ConfirmConfiguration.Instance, _services.Settings.ConfirmConfigurationEvery);
    }

    private void OnConfirmed(TenantRegistryProtocol.Found? found)
    {
        if (_stopping || found is null)
        {
            return; // stopping anyway, or the registry did not answer: the next round asks again
        }

        if (found.Tenant is null)
        {
            Retire("was removed through the admin API (the notice of its removal did not arrive)");
        }
        else if (_state.Settings is { } known && !known.SameAs(found.Tenant.Settings))
        {
            Restart("its configuration changed (the notice of the change did not arrive)");
        }
    }

    /// <summary>Stops to start again on the new configuration: the shard holds the Start that follows until this incarnation has stopped.</summary>
    private void Restart(string why)
    {
        _log.Info("Tenant {0}: {1}; it stops to start again on the new one", _tenantId, why);
        _stopping = true;
        Context.Parent.Tell(new Passivate(TenantProtocol.HandOff.Instance));
    }

    /// <summary>Passivating (not just stopping) takes the tenant out of the remembered entities, so it does not come back after a restart.</summary>
    private void Retire(string why)
    {
        _log.Warning("Tenant {0} {1}; it stops and its state is kept", _tenantId, why);
        _stopping = true; // a Start for a tenant added again meanwhile goes back to the shard, as after a change
        Context.Parent.Tell(new Passivate(TenantProtocol.HandOff.Instance));
    }

    /// <summary>Starts pulling on a configuration; a change (a new secret too) is journaled and lifts a pause.</summary>
    private void Start(TenantConfiguration configuration)
    {
        _api = _services.Mimecast.Create(configuration.Mimecast);
        _intake = _services.Intake.Create(configuration.Settings.IntakeUrl, configuration.IntakeKey);
        _forwarder = NewForwarder(_intake);
        if (!_hosted)
        {
            _hosted = true;
            PullerMetrics.TenantsHosted.Add(1);
        }
        if (_state.Settings is not { } known || !known.SameAs(configuration.Settings))
        {
            Record(new TenantEvents.Configured(configuration.Settings, Now));

            // A pause this incarnation recorded while it waited for its configuration came after the change it now
            // applies (an operator's pause right after an update): the change does not lift it.
            if (_state.IsPaused && !_pausedBeforeStart)
            {
                Record(new TenantEvents.Resumed(Now));
            }
        }

        PullerMetrics.Start(_tenantId, _state.Streams.Keys);
        PullerMetrics.Budget(_tenantId, _state.Budget);
        _log.Info("Tenant {0} started: {1} streams, {2} listing calls left in the budget", _tenantId, _state.Streams.Count, _state.Budget.Remaining(Now));
        PullNext(); // now, not on a Tick: the first round's calls then go to the journal in the configuration's write
    }

    private void PullNext()
    {
        if (_api is null || _listing.Count > 0)
        {
            return; // one round at a time: each listing of it may still cost its retry, which the budget kept room for
        }

        if (Now < _notBefore)
        {
            Timers.StartSingleTimer(Tick.Instance, Tick.Instance, _notBefore - Now);
            return;
        }

        var delivering = _deliveries.Where(d => !d.Value.Delivery.NeedsRelist).Select(d => d.Key).ToHashSet(StringComparer.Ordinal);
        var relisting = _deliveries.Where(d => d.Value.Delivery.NeedsRelist).Select(d => d.Key).ToHashSet(StringComparer.Ordinal);
        var (streams, then) = PullScheduler.DecideRound(_state, Now, delivering, relisting);
        if (streams.Count == 0)
        {
            if (then is NextPull.Wait wait)
            {
                Timers.StartSingleTimer(Tick.Instance, Tick.Instance, wait.At - Now);
            }

            return;
        }

        var settings = _state.Settings!;
        var queries = streams.Select(s => (s.Key, Query: new BatchQuery(s.Definition.Types, settings.PageSize, s.Cursor, s.StartsAt))).ToList();
        var api = _api;
        _listing.UnionWith(queries.Select(q => q.Key));

        // Written ahead, the round's calls in one event: they go only once the journal holds them, so a kill right
        // after still counts them.
        var sentAt = Now;
        Record(new TenantEvents.CallsSpent(queries.Count, sentAt), then: () =>
        {
            foreach (var (stream, query) in queries)
            {
                // A failure the client did not classify still ends the listing, or the stream would never be listed again.
                api.ListAsync(query, CancellationToken.None).PipeTo(Self,
                    success: outcome => new Listed(stream, query.NextPage, query.StartsAt, sentAt, outcome),
                    failure: e => new Listed(stream, query.NextPage, query.StartsAt, sentAt,
                        new ListingFailed(new MimecastFailure(MimecastFailureKind.Transport, $"Mimecast listing failed: {e.Message}"), RateLimitStatus.Unknown, 1)));
            }
        });
    }

    private void OnListed(Listed listed)
    {
        _listing.Remove(listed.Stream);
        PullerMetrics.ListingCalls.Add(listed.Outcome.Calls, PullerMetrics.Tenant(_tenantId), PullerMetrics.Stream(listed.Stream));
        if (listed.Outcome is RateLimited)
        {
            PullerMetrics.RateLimited.Add(1, PullerMetrics.Tenant(_tenantId), PullerMetrics.Stream(listed.Stream));
        }

        var decision = ListingPolicy.Decide(
            _state, listed.Stream, listed.Cursor, listed.StartsAt, listed.SentAt, listed.Outcome.Calls, _deliveries.ContainsKey(listed.Stream), AnswerOf(listed.Outcome), Now);
        foreach (var e in decision.Record)
        {
            Record(e);
        }

        switch (decision.Then)
        {
            case ListingStep.Deliver when listed.Outcome is PageListed { Page: var page }:
                _listingFailures = 0;
                if (page.DuplicatesDropped > 0)
                {
                    _log.Info("Tenant {0}: the listing of {1} named {2} file(s) twice; each is read once", _tenantId, listed.Stream, page.DuplicatesDropped);
                }

                Deliver(listed.Stream, page);
                break;
            case ListingStep.ListAgain again:
                if (_deliveries.TryGetValue(listed.Stream, out var interrupted))
                {
                    _deliveries[listed.Stream] = interrupted with { Delivery = interrupted.Delivery.MustRelist() };
                }

                Backoff(again.Reason);
                break;
            case ListingStep.WaitOut wait:
                _log.Info("Tenant {0}: Mimecast answered 429; next listing in {1}", _tenantId, wait.Wait);
                break;
            case ListingStep.Pause pause:
                Pause(pause.Reason);
                return;
            case ListingStep.Backoff backoff:
                Backoff(backoff.Reason);
                break;
        }

        Self.Tell(Tick.Instance);
    }

    private static ListingAnswer AnswerOf(ListingOutcome outcome) => outcome switch
    {
        PageListed listed => new ListingAnswer.Page(listed.Page.Files.Count),
        RateLimited limited => new ListingAnswer.TooManyRequests(limited.Wait),
        ListingFailed { Failure: var failure } => new ListingAnswer.Failed(failure.Message, failure.NeedsOperator || failure.Kind == MimecastFailureKind.BadRequest),
        _ => throw new ArgumentOutOfRangeException(nameof(outcome), outcome, "not a listing outcome"),
    };

    /// <summary>Starts delivering a page, or continues after a re-list (fresh URLs, same files): done files are skipped.</summary>
    private void Deliver(string stream, BatchPage page)
    {
        if (!_state.Streams.ContainsKey(stream))
        {
            return;
        }

        var files = page.Files.Select(f => f.Identity);
        _deliveries[stream] = _deliveries.TryGetValue(stream, out var relisted)
            ? relisted with { Delivery = relisted.Delivery.Relisted(files, page.NextPage, page.IsCaughtUp), Page = page }
            : new Delivering(PageDelivery.Begin(stream, files, page.NextPage, page.IsCaughtUp), page, ++_generation);
        ReadNext(stream);
    }

    private void ReadNext(string stream)
    {
        if (_deliveries.TryGetValue(stream, out var delivering) && !_state.IsPaused)
        {
            Carry(stream, delivering, delivering.Delivery.ReadNext(_state.Streams[stream].Page, Now));
        }
    }

    private void OnFileDone(FileDone done)
    {
        if (!_deliveries.TryGetValue(done.Stream, out var delivering) || delivering.Generation != done.Generation)
        {
            return; // the tenant paused, or the stream was replayed, meanwhile
        }

        foreach (var rejected in done.Result?.SetAside ?? [])
        {
            Remember(rejected);
            PullerMetrics.LinesRejected.Add(1, PullerMetrics.Tenant(_tenantId), PullerMetrics.Stream(rejected.Stream));
            _log.Warning("Tenant {0}: line {1} of {2} ({3}) set aside, {4}: {5}", _tenantId, rejected.Line, rejected.File, rejected.Stream, rejected.Reason, rejected.Detail);
        }

        Carry(done.Stream, delivering, delivering.Delivery.ReadEnded(
            done.File.Identity, done.Result?.OfferedThrough, done.Result?.SetAsideThrough, EndOf(done), _services.Settings.TruncatedFileRetries, _state.Streams[done.Stream].Page, Now));
    }

    private static ReadEnd EndOf(FileDone done) => done.Result?.Outcome switch
    {
        FileRead => new ReadEnd.Whole(),
        FileTruncated truncated => new ReadEnd.Truncated(truncated.LinesRead, truncated.Reason, truncated.CompressedBytes),
        FileExpired expired => new ReadEnd.Expired(expired.Message),
        FileFailed { IsTransient: false } refused => new ReadEnd.Refused(refused.Message),
        FileFailed failed => new ReadEnd.Failed(failed.Message),
        _ when done.Error is not (null or OperationCanceledException) => new ReadEnd.Failed($"reading {done.File}: {done.Error.Message}"),
        _ => new ReadEnd.Cancelled(),
    };

    private void OnDelivered(Delivered delivered)
    {
        var origin = delivered.Origin;
        // The chunk is done, events set aside included (its lines are checkpointed below); only the others reached the intake.
        var forwarded = delivered.Events - (_setAsideUndelivered.Remove(origin, out var setAside) ? setAside : 0);
        _eventsDelivered += forwarded;
        PullerMetrics.Forwarded(_tenantId, origin.Stream, forwarded, origin.NewestEventAt);
        if (_deliveries.TryGetValue(origin.Stream, out var delivering) && delivering.Generation == origin.Generation)
        {
            Carry(origin.Stream, delivering, delivering.Delivery.Acknowledged(
                origin.File, origin.FirstLine, origin.LastLine, origin.NewestEventAt, origin.EndsRead, _state.Streams[origin.Stream].Page, Now));
        }
    }

    /// <summary>Carries out what the page's delivery decided, in order: it does the I/O, the decision was made in the domain.</summary>
    private void Carry(string stream, Delivering delivering, DeliveryDecision decision)
    {
        if (decision.Delivery is { } next)
        {
            _deliveries[stream] = delivering with { Delivery = next };
        }
        else
        {
            _deliveries.Remove(stream);
            Self.Tell(Tick.Instance); // the page is complete: the stream may list its next one
        }

        foreach (var step in decision.Steps)
        {
            switch (step)
            {
                case DeliveryStep.Record record:
                    Record(record.Event);
                    break;
                case DeliveryStep.Read read:
                    var file = delivering.Page.Files.First(f => f.Identity == read.File);
                    var generation = delivering.Generation;
                    FileForwarding.RunAsync(_tenantId, stream, file, generation, read.Skip, read.SetAsideThrough, _services.Reader, _intake!, _forwarder, _services.Rejected, _services.ReadGate, _services.Time, _reading.Token)
                        .PipeTo(Self, success: result => new FileDone(stream, file, generation, result), failure: e => new FileDone(stream, file, generation, null, e));
                    break;
                case DeliveryStep.ReadAgainLater again:
                    // The stream's own backoff: it neither delays the other streams' listings nor is reset by their successes.
                    var wait = _services.Settings.Backoff(again.Failures);
                    _lastError = again.Reason;
                    _log.Warning("Tenant {0}: {1}; reading again in {2}", _tenantId, again.Reason, wait);
                    Timers.StartSingleTimer(("read", stream), new ReadAgain(stream), wait);
                    break;
                case DeliveryStep.ListAgain { Backoff: true } list:
                    Backoff(list.Reason);
                    Self.Tell(Tick.Instance);
                    break;
                case DeliveryStep.ListAgain list:
                    _log.Info("Tenant {0}: {1}", _tenantId, list.Reason);
                    Self.Tell(Tick.Instance);
                    break;
                case DeliveryStep.SetAsideRest rest:
                    SetAsideRest(stream, rest);
                    break;
            }
        }
    }

    private void OnEventSetAside(EventSetAside aside)
    {
        _setAsideUndelivered[aside.Origin] = _setAsideUndelivered.GetValueOrDefault(aside.Origin) + 1; // its chunk's Delivered follows
        PullerMetrics.LinesRejected.Add(1, PullerMetrics.Tenant(_tenantId), PullerMetrics.Stream(aside.Origin.Stream));
        var record = new RejectedRecord(_tenantId, aside.Origin.Stream, aside.Origin.File, 0, "IntakeTooLarge", aside.Reason,
            aside.Event.Length, RejectedLineFiles.Head(aside.Event), Now);
        _services.Rejected.Append(record);
        Remember(record);
        _log.Warning("Tenant {0}: an event of {1} (lines {2}-{3}) refused by the intake as too large is set aside: {4}",
            _tenantId, aside.Origin.File, aside.Origin.FirstLine, aside.Origin.LastLine, aside.Reason);
    }

    /// <summary>What is left of a file that cannot be read however often it is tried goes where the README says, counted and logged; the page goes on.</summary>
    private void SetAsideRest(string stream, DeliveryStep.SetAsideRest rest)
    {
        var record = new RejectedRecord(_tenantId, stream, rest.File, rest.Line, rest.Reason, rest.Detail, rest.CompressedBytes, "", Now);
        PullerMetrics.LinesRejected.Add(1, PullerMetrics.Tenant(_tenantId), PullerMetrics.Stream(stream));
        _services.Rejected.Append(record);
        Remember(record);
        _log.Warning("Tenant {0}: {1} ({2}) from line {3} is unreadable after {4} reads and set aside: {5}",
            _tenantId, rest.File, stream, rest.Line, rest.Reads, $"{rest.Reason}, {rest.Detail}");
    }

    /// <summary>A forwarder of its own name: one stopped at a pause may not have stopped yet when the next starts.</summary>
    private IActorRef NewForwarder(SekoiaIntakeClient intake) =>
        Context.ActorOf(Forwarder.Props(intake, _services.Settings.Forwarder, _tenantId), $"forwarder-{++_forwarders}");

    /// <summary>
    /// Only an operator can fix this: stop reading, keep every cursor where it is, say why. The forwarder stops too,
    /// with the chunks it holds and their requests: they would go on to an intake that refused the key, their
    /// acknowledgements would no longer count, and offers left waiting would pile up at each pause.
    /// </summary>
    private void Pause(string reason)
    {
        if (_state.IsPaused)
        {
            return;
        }

        _log.Error("Tenant {0} paused: {1}", _tenantId, reason);
        _lastError = reason;
        _reading.Cancel();
        _reading.Dispose();
        _reading = new CancellationTokenSource();
        _deliveries.Clear();
        _setAsideUndelivered.Clear(); // their chunks leave with the forwarder: no acknowledgement will take them out
        _pausedBeforeStart = _api is null;
        if (!_forwarder.IsNobody())
        {
            Context.Stop(_forwarder);
            _forwarder = ActorRefs.Nobody;
        }
        Record(new TenantEvents.Paused(reason, Now));
    }

    /// <summary>The next listing of any stream waits: a listing failed, or a page must be listed again.</summary>
    private void Backoff(string reason)
    {
        _listingFailures++;
        _lastError = reason;
        var wait = _services.Settings.Backoff(_listingFailures);
        _notBefore = Now + wait;
        _log.Warning("Tenant {0}: {1}; trying again in {2}", _tenantId, reason, wait);
    }

    /// <summary>Applies an event at once and persists it (<paramref name="then"/> runs once it is stored); snapshots now and then, after which older events are deleted.</summary>
    private void Record(ITenantEvent e, Action? then = null)
    {
        _state = _state.Apply(e);
        PullerMetrics.Budget(_tenantId, _state.Budget);

        // The snapshot taken at this event holds the state as of this event: a command that records several events
        // has applied them all before the first is stored, and recovery replays the later ones on top of the snapshot.
        var asOfThisEvent = _state;
        Persist(e, _ =>
        {
            if (LastSequenceNr % _services.Settings.SnapshotEvery == 0)
            {
                SaveSnapshot(asOfThisEvent);
            }

            then?.Invoke();
        });
    }

    /// <summary>Counts a line set aside and keeps the last few for the tenant's status (the file is on this node's disk; the status travels).</summary>
    private void Remember(RejectedRecord rejected)
    {
        _linesRejected++;
        _recentlyRejected.Enqueue(new TenantProtocol.RejectedLine(rejected.Stream, rejected.File, rejected.Line, rejected.Reason, rejected.Detail, rejected.At));
        while (_recentlyRejected.Count > TenantProtocol.RecentRejectedLines)
        {
            _recentlyRejected.Dequeue();
        }
    }

    private TenantProtocol.Status Status() => new(
        _tenantId, _state.IsConfigured, _state.PausedBecause, _state.Budget.Remaining(Now), _state.RateLimitedUntil,
        [.. _state.Streams.Values.Select(s => new TenantProtocol.StreamStatus(
            s.Key, s.Cursor, s.CaughtUp, _deliveries.ContainsKey(s.Key), s.NewestEventAt, s.Page.FilesDone.Count, s.LastListedAt))],
        _eventsDelivered, _linesRejected, _lastError, ((ExtendedActorSystem)Context.System).Provider.DefaultAddress.ToString(), _state.Budget.Policy.Calls,
        [.. _recentlyRejected]);

    private sealed class Begin
    {
        public static readonly Begin Instance = new();
    }

    private sealed record RegistryUnanswered(string Reason);

    private sealed class ConfirmConfiguration
    {
        public static readonly ConfirmConfiguration Instance = new();
    }

    /// <param name="Found">The registry's answer; null if it did not answer.</param>
    private sealed record ConfigurationConfirmed(TenantRegistryProtocol.Found? Found);

    private sealed class Tick
    {
        public static readonly Tick Instance = new();
    }

    /// <param name="Cursor">The cursor the page was listed with: a page listed before a replay moved the cursor is dropped.</param>
    /// <param name="StartsAt">The date the page was listed from: a replay of a stream without a cursor changes only this.</param>
    /// <param name="SentAt">When the listing's call was journaled as spent.</param>
    private sealed record Listed(string Stream, string? Cursor, DateOnly? StartsAt, DateTimeOffset SentAt, ListingOutcome Outcome);

    private sealed record ReadAgain(string Stream);

    private sealed record FileDone(string Stream, BatchFileRef File, int Generation, FileForwarded? Result, Exception? Error = null);

    /// <summary>A page a stream is delivering: the domain's account of it, and the listing's file URLs to read.</summary>
    /// <param name="Generation">Tells a read of this delivery from one of an older delivery of the same stream (before a replay).</param>
    private sealed record Delivering(PageDelivery Delivery, BatchPage Page, int Generation);
}
