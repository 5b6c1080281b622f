namespace MimecastActors.Simulator.Mimecast;

/// <summary>
/// The append-only sequence of batch files of one client and type: a backlog published before the simulator
/// started, then <see cref="ClientScenario.FilesPerInterval"/> files every <see cref="ClientScenario.PublishInterval"/>.
/// Computed, not stored: file <c>i</c>'s publish time and size follow from the scenario.
/// </summary>
public sealed class PublishSchedule
{
    private readonly ClientScenario _client;
    private readonly DateTimeOffset _start;
    private readonly Dictionary<int, BatchFileShape> _shapes;

    public PublishSchedule(ClientScenario client, string type, DateTimeOffset start)
    {
        _client = client;
        _start = start;
        Type = type;
        _shapes = client.Files.Where(f => f.Type == type).ToDictionary(f => f.Index);
    }

    public string Type { get; }

    /// <summary>Number of files published at <paramref name="now"/>.</summary>
    public int PublishedCount(DateTimeOffset now)
    {
        var count = _client.BacklogFiles;
        if (_client.PublishInterval > TimeSpan.Zero && now >= _start)
        {
            count += (int)Math.Min(int.MaxValue / 2, (now - _start).Ticks / _client.PublishInterval.Ticks * _client.FilesPerInterval);
        }

        return count;
    }

    public DateTimeOffset PublishedAt(int index) =>
        index < _client.BacklogFiles
            ? _start - (_client.BacklogFiles - index) * _client.BacklogSpacing
            : _start + ((((index - _client.BacklogFiles) / Math.Max(1, _client.FilesPerInterval)) + 1) * _client.PublishInterval);

    /// <summary>The first file published at or after <paramref name="time"/> (binary search: publish times only grow).</summary>
    public int FirstIndexAtOrAfter(DateTimeOffset time, DateTimeOffset now)
    {
        int lo = 0, hi = PublishedCount(now);
        while (lo < hi)
        {
            var mid = lo + ((hi - lo) / 2);
            if (PublishedAt(mid) < time)
            {
                lo = mid + 1;
            }
            else
            {
                hi = mid;
            }
        }

        return lo;
    }

    public BatchFileShape Shape(int index) =>
        _shapes.TryGetValue(index, out var shape) ? shape : new BatchFileShape { Type = Type, Index = index };

    public int EventCount(int index) => Shape(index).Events ?? _client.EventsPerFile;
}
