namespace MimecastActors.Domain;

/// <summary>The wait before the next try of something that keeps failing: doubling from a floor, up to a ceiling.</summary>
public static class ExponentialBackoff
{
    /// <param name="attempt">The number of failures so far, from 1 (which waits <paramref name="min"/>).</param>
    public static TimeSpan Delay(TimeSpan min, TimeSpan max, int attempt) =>
        TimeSpan.FromTicks((long)Math.Min(max.Ticks, min.Ticks * Math.Pow(2, Math.Clamp(attempt - 1, 0, 30))));
}
