using MimecastActors.Actors;

namespace MimecastActors.Tests.Actors;

public sealed class RequestPartsTests
{
    private static ChunkOrigin Origin(string file) => new("receipt", file, 1, 10, null);

    private static readonly RequestParts ThreeChunks = RequestParts.Of([(Origin("a"), 2), (Origin("b"), 3), (Origin("c"), 1)]);

    [Fact]
    public void An_acknowledgement_completes_the_chunks_it_covers_and_leaves_the_rest()
    {
        var (completed, left) = ThreeChunks.Acknowledge(3);

        completed.Should().Equal(new RequestPart(Origin("a"), 2, 2));
        left.Parts.Should().Equal(new RequestPart(Origin("b"), 3, 1), new RequestPart(Origin("c"), 1, 0));
        left.Remaining.Should().Be(3);

        var (then, none) = left.Acknowledge(3);
        then.Select(p => (p.Origin.File, p.Events)).Should().Equal(("b", 3), ("c", 1));
        none.IsEmpty.Should().BeTrue();
    }

    [Fact]
    public void Nothing_acknowledged_completes_nothing() =>
        ThreeChunks.Acknowledge(0).Should().Be((System.Collections.Immutable.ImmutableArray<RequestPart>.Empty, ThreeChunks));

    [Fact]
    public void An_event_is_located_in_its_chunk_counting_what_was_acknowledged_before()
    {
        ThreeChunks.Locate(0).Should().Be((Origin("a"), 0));
        ThreeChunks.Locate(2).Should().Be((Origin("b"), 0));
        ThreeChunks.Locate(5).Should().Be((Origin("c"), 0));

        var left = ThreeChunks.Acknowledge(3).Left;
        left.Locate(0).Should().Be((Origin("b"), 1)); // the 413 of the rest names the event as the chunk numbered it
        left.Locate(2).Should().Be((Origin("c"), 0));
    }

    [Fact]
    public void More_than_the_request_holds_is_refused()
    {
        var acknowledge = () => ThreeChunks.Acknowledge(7);
        var locate = () => ThreeChunks.Locate(6);

        acknowledge.Should().Throw<ArgumentOutOfRangeException>();
        locate.Should().Throw<ArgumentOutOfRangeException>();
    }
}
