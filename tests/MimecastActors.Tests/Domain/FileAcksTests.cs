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

    [Fact]
    public void Chunks_of_two_reads_that_overlap_count_together()
    {
        // A first read's last chunk covered 101-130; the file read again from 101 was cut into 101-150 and 151-200.
        var acks = FileAcks.From(100).Ack(101, 130).Ack(151, 200);

        acks.Through.Should().Be(130);
        acks.Ack(101, 150).Through.Should().Be(200, "the prefix ends inside the second read's first chunk");
        acks.Ack(101, 120).Should().BeSameAs(acks, "a chunk inside the prefix adds nothing");
    }

    [Fact]
    public void Any_set_of_overlapping_chunks_acknowledges_exactly_the_lines_they_cover_from_the_start() =>
        Gen.Int[1, 60].Select(Gen.Int[0, 25]).Array[1, 12]
            .Sample(chunks =>
            {
                var acks = FileAcks.From(0);
                var covered = new HashSet<long>();
                foreach (var (first, length) in chunks)
                {
                    acks = acks.Ack(first, first + length);
                    for (long line = first; line <= first + length; line++)
                    {
                        covered.Add(line);
                    }

                    var prefix = 0L;
                    while (covered.Contains(prefix + 1))
                    {
                        prefix++;
                    }

                    if (acks.Through != prefix)
                    {
                        return false;
                    }
                }

                return true;
            });
}
