namespace MimecastActors.Simulator.Mimecast;

public sealed record ListedFile(string Type, int Index);

public sealed record ListedPage(IReadOnlyList<ListedFile> Files, int[] NextPositions, bool IsCaughtUp);

/// <summary>
/// Which files one listing call returns: the next files of the requested types in publish order, at most
/// <c>pageSize</c>, and whether anything published remains after them.
/// </summary>
public static class BatchListing
{
    public static ListedPage NextPage(
        IReadOnlyList<PublishSchedule?> schedules, int[] positions, int pageSize, DateTimeOffset now, DateTimeOffset? endsAt)
    {
        var next = (int[])positions.Clone();
        var limits = new int[schedules.Count];
        for (var t = 0; t < schedules.Count; t++)
        {
            limits[t] = schedules[t] is { } s
                ? endsAt is { } end ? Math.Min(s.PublishedCount(now), s.FirstIndexAtOrAfter(end, now)) : s.PublishedCount(now)
                : 0;
        }

        var files = new List<ListedFile>(pageSize);
        while (files.Count < pageSize)
        {
            var best = -1;
            for (var t = 0; t < schedules.Count; t++)
            {
                if (next[t] < limits[t] &&
                    (best < 0 || schedules[t]!.PublishedAt(next[t]) < schedules[best]!.PublishedAt(next[best])))
                {
                    best = t;
                }
            }

            if (best < 0)
            {
                break;
            }

            files.Add(new ListedFile(schedules[best]!.Type, next[best]));
            next[best]++;
        }

        var caughtUp = true;
        for (var t = 0; t < schedules.Count; t++)
        {
            caughtUp &= next[t] >= limits[t];
        }

        return new ListedPage(files, next, caughtUp);
    }
}
