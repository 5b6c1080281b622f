using CsCheck;

using MimecastActors.Domain;

namespace MimecastActors.Tests.Domain;

public sealed class FileAcksTests
{
    [Fact]
    public void Only_the_contiguous_prefix_is_acknowledged()
    {
        var acks = FileAcks.From(100).Ack(121, 140);

        acks.Through.Should().Be(100, "lines 101-120 are still in flight");
        acks = acks.Ack(101, 120);
        acks.Through.Should().Be(140);
        acks.Ahead.Should().BeEmpty();
    }

    [Fact]
    public void Any_order_of_acknowledgements_ends_at_the_last_line() =>
        Gen.Int[1, 40].SelectMany(n => Gen.Shuffle(Enumerable.Range(0, n).ToArray()).Select(order => (n, order)))
            .Sample((n, order) =>
            {
                var acks = FileAcks.From(0);
                var seen = new HashSet<int>();
                foreach (var i in order)
                {
                    acks = acks.Ack((i * 10) + 1, (i + 1) * 10);
                    seen.Add(i);
                    var contiguous = Enumerable.Range(0, n).TakeWhile(seen.Contains).Count();
                    if (acks.Through != contiguous * 10)
                    {
                        return false;
                    }
                }

                return acks.Through == n * 10 && acks.Ahead.IsEmpty;
            });
}
