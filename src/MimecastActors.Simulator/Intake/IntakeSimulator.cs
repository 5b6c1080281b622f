using System.Collections.Concurrent;

namespace MimecastActors.Simulator.Intake;

/// <summary>The fake Sekoia.io HTTP intake: known keys, what each received, and the outages a test switches on.</summary>
public sealed class IntakeSimulator
{
    private readonly ConcurrentDictionary<string, IntakeRecord> _records = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();
    private readonly List<(DateTimeOffset From, DateTimeOffset Until, int Status, TimeSpan? RetryAfter)> _outages = [];
    private long _arrived;

    public IntakeSimulator(Scenario scenario, TimeProvider time)
    {
        Time = time;
        MaxBodyBytes = scenario.Intake.MaxBodyBytes;
        Latency = scenario.Intake.Latency;
        foreach (var key in scenario.IntakeKeys)
        {
            AddKey(key);
        }

        var start = time.GetUtcNow();
        foreach (var outage in scenario.Intake.Outages)
        {
            AddOutage(start + outage.StartsAfter, outage.Duration, outage.Status, outage.RetryAfter);
        }
    }

    public TimeProvider Time { get; }

    /// <summary>Bodies larger than this (after gzip decoding) are refused with 413, as the real intake does above 10 MiB.</summary>
    public long MaxBodyBytes { get; set; }

    /// <summary>Added before every answer.</summary>
    public TimeSpan Latency { get; set; }

    /// <summary>Requests that reached the intake, whatever became of them (refused, cut off by the client, accepted).</summary>
    public long RequestsArrived => Interlocked.Read(ref _arrived);

    internal void CountArrival() => Interlocked.Increment(ref _arrived);

    public void AddKey(string intakeKey) => _records.TryAdd(intakeKey, new IntakeRecord(intakeKey));

    public bool IsKnown(string intakeKey) => _records.ContainsKey(intakeKey);

    public IntakeRecord Record(string intakeKey) =>
        _records.TryGetValue(intakeKey, out var r) ? r : throw new KeyNotFoundException($"No simulated intake key '{intakeKey}'.");

    public IEnumerable<IntakeRecord> Records => _records.Values;

    /// <summary>From now on, for <paramref name="duration"/>, every request gets <paramref name="status"/> (503 or 429).</summary>
    public void StartOutage(TimeSpan duration, int status = 503, TimeSpan? retryAfter = null) =>
        AddOutage(Time.GetUtcNow(), duration, status, retryAfter);

    public void EndOutages()
    {
        lock (_gate)
        {
            _outages.Clear();
        }
    }

    internal (int Status, TimeSpan? RetryAfter)? ActiveOutage(DateTimeOffset now)
    {
        lock (_gate)
        {
            foreach (var o in _outages)
            {
                if (now >= o.From && now < o.Until)
                {
                    return (o.Status, o.RetryAfter);
                }
            }
        }

        return null;
    }

    private void AddOutage(DateTimeOffset from, TimeSpan duration, int status, TimeSpan? retryAfter)
    {
        if (status is not (503 or 429 or 500 or 502 or 504))
        {
            throw new ArgumentOutOfRangeException(nameof(status), status, "An outage answers 429 or a 5xx status.");
        }

        lock (_gate)
        {
            _outages.Add((from, from + duration, status, retryAfter));
        }
    }
}
