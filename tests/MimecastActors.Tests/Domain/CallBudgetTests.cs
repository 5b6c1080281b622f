using CsCheck;

using MimecastActors.Domain;

namespace MimecastActors.Tests.Domain;

public sealed class CallBudgetTests
{
    private static readonly DateTimeOffset T0 = DomainSamples.T0;
    private static readonly RateLimitPolicy ThreePerMinute = new(3, TimeSpan.FromMinutes(1));

    /// <summary>A call counts for the window plus a guard (2 s here): the API's clock starts when the call arrives.</summary>
    private static readonly TimeSpan G = ThreePerMinute.Guard;

    [Fact]
    public void Calls_left_and_the_next_call_follow_a_sliding_window()
    {
        var budget = CallBudget.Empty(ThreePerMinute)
            .Spend(T0, 1)
            .Spend(T0.AddSeconds(10), 2);

        budget.Remaining(T0.AddSeconds(20)).Should().Be(0);
        budget.NextCallAt(T0.AddSeconds(20)).Should().Be(T0.AddMinutes(1) + G, "the first call leaves the window then");
        budget.Remaining(T0.AddMinutes(1)).Should().Be(0, "not before the guard has passed too");
        budget.Remaining(T0.AddMinutes(1) + G).Should().Be(1);
        budget.NextCallAt(T0.AddMinutes(1) + G).Should().Be(T0.AddMinutes(1) + G);
        budget.Remaining(T0.AddSeconds(70) + G).Should().Be(3);
        G.Should().Be(TimeSpan.FromSeconds(2));
    }

    [Fact]
    public void Room_for_several_calls_waits_for_enough_calls_to_leave_the_window()
    {
        var budget = CallBudget.Empty(ThreePerMinute).Spend(T0, 1).Spend(T0.AddSeconds(10), 1);

        budget.NextCallAt(T0.AddSeconds(20), calls: 1).Should().Be(T0.AddSeconds(20));
        budget.NextCallAt(T0.AddSeconds(20), calls: 2).Should().Be(T0.AddMinutes(1) + G);
        budget.NextCallAt(T0.AddSeconds(20), calls: 3).Should().Be(T0.AddSeconds(70) + G);
        budget.NextCallAt(T0.AddSeconds(20), calls: 9).Should().Be(T0.AddSeconds(70) + G, "never more than the whole budget is asked for");
    }

    [Fact]
    public void A_call_answered_later_than_the_guard_covers_counts_from_its_answer()
    {
        var budget = CallBudget.Empty(ThreePerMinute).Spend(T0, 2).Spend(T0.AddSeconds(5), 1)
            .Answered(T0, 1, T0.AddSeconds(10));

        budget.Spent.Should().Equal(T0, T0.AddSeconds(5), T0.AddSeconds(10));
        budget.NextCallAt(T0.AddSeconds(30)).Should().Be(T0.AddMinutes(1) + G, "the other call of the round counts from when it was sent");
        budget.Remaining(T0.AddSeconds(61) + G).Should().Be(1, "the slow call counts from its answer, not from when it was sent");
        budget.Remaining(T0.AddSeconds(70) + G).Should().Be(3);
    }

    [Fact]
    public void A_call_answered_after_it_left_the_log_counts_again()
    {
        var budget = CallBudget.Empty(ThreePerMinute).Spend(T0, 1).Spend(T0.AddMinutes(2), 1)
            .Answered(T0, 1, T0.AddMinutes(2));

        budget.Remaining(T0.AddMinutes(2)).Should().Be(1);
    }

    [Fact]
    public void The_guard_covers_calls_answered_within_it()
    {
        ThreePerMinute.GuardCovers(T0, T0 + G - TimeSpan.FromTicks(1)).Should().BeTrue();
        ThreePerMinute.GuardCovers(T0, T0 + G).Should().BeFalse();
    }

    [Fact]
    public void A_new_policy_keeps_the_calls_already_spent()
    {
        var budget = CallBudget.Empty(ThreePerMinute).Spend(T0, 3).WithPolicy(new RateLimitPolicy(5, TimeSpan.FromMinutes(1)));

        budget.Remaining(T0).Should().Be(2);
    }

    [Fact]
    public void The_log_holds_no_more_than_a_window_of_calls()
    {
        var budget = CallBudget.Empty(ThreePerMinute);
        for (var i = 0; i < 1000; i++)
        {
            budget = budget.Spend(T0.AddSeconds(i * 30), 1);
        }

        budget.Spent.Count().Should().BeLessThanOrEqualTo(3);
    }

    [Fact]
    public void Calls_made_only_when_the_budget_says_so_never_exceed_it_in_any_window()
    {
        // Random moments at which a puller would like to call; it calls (1 or 2 calls) only when NextCallAt allows.
        Gen.Select(Gen.Int[1, 20], Gen.Int[0, 40_000].Array[1, 200], Gen.Int[1, 2].Array[200])
            .Sample((calls, gaps, costs) =>
            {
                var policy = new RateLimitPolicy(Math.Max(2, calls), TimeSpan.FromSeconds(60));
                var budget = CallBudget.Empty(policy);
                var made = new List<DateTimeOffset>();
                var now = T0;
                for (var i = 0; i < gaps.Length; i++)
                {
                    now = now.AddMilliseconds(gaps[i]);
                    // Two calls (a refused token) only fit when two are left; one is always allowed when one is left.
                    var cost = budget.Remaining(now) >= 2 ? costs[i] : 1;
                    if (budget.NextCallAt(now) <= now)
                    {
                        budget = budget.Spend(now, cost);
                        made.AddRange(Enumerable.Repeat(now, cost));
                    }
                }

                return made.All(t => made.Count(u => u >= t && u < t + policy.Window) <= policy.Calls);
            });
    }

    [Fact]
    public void Calls_that_arrive_late_never_exceed_the_budget_at_the_api_when_their_answers_are_counted()
    {
        // The API counts a call when it arrives, up to 5 s after it was journaled (a slow token or connection); the
        // puller learns of it at the answer, and makes one call at a time.
        Gen.Select(Gen.Int[2, 10], Gen.Int[0, 30_000].Array[1, 150], Gen.Int[0, 5_000].Array[150])
            .Sample((calls, gaps, delays) =>
            {
                var policy = new RateLimitPolicy(calls, TimeSpan.FromSeconds(60));
                var budget = CallBudget.Empty(policy);
                var arrived = new List<DateTimeOffset>();
                var now = T0;
                for (var i = 0; i < gaps.Length; i++)
                {
                    now = now.AddMilliseconds(gaps[i]);
                    if (budget.NextCallAt(now) > now)
                    {
                        continue;
                    }

                    var sentAt = now;
                    budget = budget.Spend(sentAt, 1);
                    now = sentAt.AddMilliseconds(delays[i]);
                    arrived.Add(now);
                    if (!policy.GuardCovers(sentAt, now))
                    {
                        budget = budget.Answered(sentAt, 1, now);
                    }
                }

                return arrived.All(t => arrived.Count(u => u >= t && u < t + policy.Window) <= policy.Calls);
            });
    }
}
