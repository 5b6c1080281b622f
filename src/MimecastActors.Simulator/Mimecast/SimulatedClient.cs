namespace MimecastActors.Simulator.Mimecast;

/// <summary>One listing call as the simulator saw it.</summary>
public sealed record SiemCall(DateTimeOffset At, string Types, string? NextPage, int Status, string? UserAgent);

/// <summary>What the simulator counted for a client; the figures a test asserts on.</summary>
public sealed record ClientStats(
    int SiemCalls,
    int TooManyRequests,
    int MaxCallsInAnyWindow,
    int TokensIssued,
    int TokenRequestsRejected,
    int BlobsServed,
    long BlobBytesServed);

/// <summary>When the simulator first answered each kind of request of a client (<see cref="System.Diagnostics.Stopwatch"/> timestamps, 0 for never): a start-up's timeline.</summary>
public readonly record struct FirstAnswers(long Token, long Listing, long Blob);

/// <summary>The answer of a rate limiter for one call, with the figures for the `X-RateLimit-*` headers.</summary>
public readonly record struct Budget(bool Allowed, int Limit, int Remaining, TimeSpan Reset);

/// <summary>A Mimecast API application: its published files, its rate-limit windows, what it was asked.</summary>
public sealed class SimulatedClient
{
    private readonly Lock _gate = new();
    private readonly List<SiemCall> _calls = [];
    private readonly SlidingWindow _siemBudget;
    private readonly SlidingWindow? _tokenBudget;
    private readonly Random _quirkDice;
    private int _tooManyRequests;
    private volatile bool _firstListingAnswered;
    private int _tokensIssued;
    private int _tokenRequestsRejected;
    private int _blobsServed;
    private long _blobBytesServed;
    private long _firstToken;
    private long _firstListing;
    private long _firstBlob;

    public SimulatedClient(ClientScenario scenario, int seed, DateTimeOffset start)
    {
        Scenario = scenario;
        Schedules = scenario.EventTypes.ToDictionary(t => t, t => new PublishSchedule(scenario, t, start));
        _siemBudget = new SlidingWindow(scenario.RateLimit.Calls, scenario.RateLimit.Window);
        _tokenBudget = scenario.TokenRateLimit is { } t ? new SlidingWindow(t.Calls, t.Window) : null;
        _quirkDice = new Random(StableSeed.Of($"{seed}|{scenario.ClientId}|quirks"));
    }

    public ClientScenario Scenario { get; }

    public string ClientId => Scenario.ClientId;

    public MimecastQuirks Quirks => Scenario.Quirks;

    /// <summary>Publish schedules of the licensed types.</summary>
    public IReadOnlyDictionary<string, PublishSchedule> Schedules { get; }

    /// <summary>Tokens issued before this generation are revoked.</summary>
    internal int TokenGeneration { get; private set; }

    public void RevokeAllTokens()
    {
        lock (_gate)
        {
            TokenGeneration++;
        }
    }

    internal Budget TryTokenRequest(DateTimeOffset now)
    {
        lock (_gate)
        {
            var budget = _tokenBudget?.TryTake(now) ?? new Budget(true, int.MaxValue, int.MaxValue, TimeSpan.Zero);
            if (!budget.Allowed)
            {
                _tokenRequestsRejected++;
            }

            return budget;
        }
    }

    /// <summary>Whether a listing call was answered yet (see <see cref="MimecastQuirks.FirstListingDelay"/>).</summary>
    internal bool FirstListingAnswered
    {
        get => _firstListingAnswered;
        set => _firstListingAnswered = value;
    }

    /// <summary>Spends one call of the SIEM budget, or refuses it (429). Every call is logged either way.</summary>
    internal Budget TrySiemCall(DateTimeOffset now)
    {
        lock (_gate)
        {
            var budget = _siemBudget.TryTake(now);
            if (!budget.Allowed)
            {
                _tooManyRequests++;
            }

            return budget;
        }
    }

    internal Budget PeekSiemBudget(DateTimeOffset now)
    {
        lock (_gate)
        {
            return _siemBudget.Peek(now);
        }
    }

    internal void Log(SiemCall call)
    {
        lock (_gate)
        {
            _calls.Add(call);
        }

        First(ref _firstListing);
    }

    /// <summary>The first time only: one compare per request after that.</summary>
    private static void First(ref long at)
    {
        if (Volatile.Read(ref at) == 0)
        {
            Interlocked.CompareExchange(ref at, System.Diagnostics.Stopwatch.GetTimestamp(), 0);
        }
    }

    public FirstAnswers FirstAnswers => new(Volatile.Read(ref _firstToken), Volatile.Read(ref _firstListing), Volatile.Read(ref _firstBlob));

    internal bool Roll(double probability)
    {
        if (probability <= 0)
        {
            return false;
        }

        lock (_gate)
        {
            return _quirkDice.NextDouble() < probability;
        }
    }

    internal void CountTokenIssued()
    {
        Interlocked.Increment(ref _tokensIssued);
        First(ref _firstToken);
    }

    internal void CountBlob(long bytes)
    {
        First(ref _firstBlob);
        Interlocked.Increment(ref _blobsServed);
        Interlocked.Add(ref _blobBytesServed, bytes);
    }

    public IReadOnlyList<SiemCall> Calls
    {
        get
        {
            lock (_gate)
            {
                return [.. _calls];
            }
        }
    }

    public ClientStats Stats
    {
        get
        {
            lock (_gate)
            {
                return new ClientStats(
                    _calls.Count,
                    _tooManyRequests,
                    MaxCallsInAnyWindow(_calls, Scenario.RateLimit.Window),
                    Volatile.Read(ref _tokensIssued),
                    _tokenRequestsRejected,
                    Volatile.Read(ref _blobsServed),
                    Interlocked.Read(ref _blobBytesServed));
            }
        }
    }

    /// <summary>The most listing calls (429s included) that fall in any window of the budget's length.</summary>
    private static int MaxCallsInAnyWindow(List<SiemCall> calls, TimeSpan window)
    {
        var max = 0;
        var first = 0;
        for (var last = 0; last < calls.Count; last++)
        {
            while (calls[last].At - calls[first].At >= window)
            {
                first++;
            }

            max = Math.Max(max, last - first + 1);
        }

        return max;
    }

    /// <summary>A budget of <c>limit</c> calls in any window of <c>length</c> (a log of accepted calls).</summary>
    private sealed class SlidingWindow(int limit, TimeSpan length)
    {
        private readonly Queue<DateTimeOffset> _accepted = new();

        public Budget TryTake(DateTimeOffset now)
        {
            Expire(now);
            if (_accepted.Count >= limit)
            {
                return new Budget(false, limit, 0, _accepted.Peek() + length - now);
            }

            _accepted.Enqueue(now);
            return new Budget(true, limit, limit - _accepted.Count, _accepted.Peek() + length - now);
        }

        public Budget Peek(DateTimeOffset now)
        {
            Expire(now);
            var reset = _accepted.Count > 0 ? _accepted.Peek() + length - now : length;
            return new Budget(_accepted.Count < limit, limit, limit - _accepted.Count, reset);
        }

        private void Expire(DateTimeOffset now)
        {
            while (_accepted.Count > 0 && now - _accepted.Peek() >= length)
            {
                _accepted.Dequeue();
            }
        }
    }
}
