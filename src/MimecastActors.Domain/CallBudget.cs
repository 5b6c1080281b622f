using System.Collections.Immutable;

namespace MimecastActors.Domain;

/// <summary>
/// The listing calls a tenant spent, as a sliding log: it answers how many calls are left in the current window
/// and when the next one may go. Persisted with the tenant, so a restarted or moved puller does not burst a fresh
/// budget into a window that is already partly spent.
/// </summary>
public sealed record CallBudget(RateLimitPolicy Policy, ImmutableQueue<DateTimeOffset> Spent)
{
    public static CallBudget Empty(RateLimitPolicy policy) => new(policy, []);

    public int Remaining(DateTimeOffset now) => Policy.Calls - InWindow(now).Count();

    /// <summary>
    /// When <paramref name="calls"/> more calls fit in the budget: now if they are left, else when enough of the
    /// oldest calls have left the window. (A listing may cost two calls when the API refuses the token.)
    /// </summary>
    public DateTimeOffset NextCallAt(DateTimeOffset now, int calls = 1)
    {
        calls = Math.Clamp(calls, 1, Policy.Calls);
        var inWindow = InWindow(now).ToList();
        var excess = inWindow.Count + calls - Policy.Calls;
        return excess <= 0 ? now : inWindow[excess - 1] + Policy.Window + Policy.Guard;
    }

    /// <summary>Records calls; calls that left the window are forgotten, so the log never holds more than a window's worth.</summary>
    public CallBudget Spend(DateTimeOffset at, int calls)
    {
        var spent = Prune(at);
        for (var i = 0; i < calls; i++)
        {
            spent = spent.Enqueue(at);
        }

        return this with { Spent = spent };
    }

    /// <summary>
    /// Calls journaled at <paramref name="sentAt"/> and answered at <paramref name="answeredAt"/>, later than the guard
    /// covers: the API may have counted them as late as their answer, so from then on they count from their answer.
    /// </summary>
    public CallBudget Answered(DateTimeOffset sentAt, int calls, DateTimeOffset answeredAt)
    {
        var stamps = Spent.ToList();
        var moved = 0;
        for (var i = 0; i < stamps.Count && moved < calls; i++)
        {
            if (stamps[i] == sentAt)
            {
                stamps[i] = answeredAt;
                moved++;
            }
        }

        // A call answered after it had left the log (slower than a window) counts again from its answer.
        stamps.AddRange(Enumerable.Repeat(answeredAt, calls - moved));
        stamps.Sort(); // the log stays in time order: the oldest call leaves the window first
        return this with { Spent = ImmutableQueue.CreateRange(stamps) };
    }

    /// <summary>A new policy keeps the calls already spent.</summary>
    public CallBudget WithPolicy(RateLimitPolicy policy) => this with { Policy = policy };

    private IEnumerable<DateTimeOffset> InWindow(DateTimeOffset now) => Spent.Where(t => now - t < Policy.Window + Policy.Guard);

    private ImmutableQueue<DateTimeOffset> Prune(DateTimeOffset now)
    {
        var spent = Spent;
        while (!spent.IsEmpty && now - spent.Peek() >= Policy.Window + Policy.Guard)
        {
            spent = spent.Dequeue();
        }

        return spent;
    }
}
