using CsCheck;

using MimecastActors.Sekoia;

namespace MimecastActors.Tests.Sekoia;

public sealed class IntakeChunkCombineTests
{
    private const string Key = "a \"quoted\\ key";

    private static IntakeChunk Build(IEnumerable<string> events)
    {
        using var builder = new IntakeChunkBuilder(Key);
        foreach (var e in events)
        {
            builder.TryAdd(ChunkBodies.Utf8(e)).Should().Be(ChunkAddResult.Added);
        }

        return builder.Seal();
    }

    [Fact]
    public void Combined_chunks_are_byte_for_byte_the_chunk_of_all_their_events() =>
        IntakeChunkBuilderTests.Event.Array[1, 8].Array[1, 6].Sample(groups =>
        {
            var chunks = groups.Select(Build).ToList();
            using var expected = Build(groups.SelectMany(g => g));

            using var combined = IntakeChunk.Combine(chunks);

            var written = new MemoryStream();
            combined.WriteTo(written);
            written.ToArray().Should().Equal(expected.Body.ToArray(), "the request is written from the chunks' own buffers");
            var predicted = chunks.Skip(1).Aggregate(chunks[0].BodyLength, (bytes, chunk) => chunk.BodyBytesAfter(bytes));
            predicted.Should().Be(combined.BodyLength).And.Be(expected.BodyLength);
            combined.Body.ToArray().Should().Equal(expected.Body.ToArray());
            combined.EventCount.Should().Be(expected.EventCount);
            for (var i = 0; i < combined.EventCount; i++)
            {
                combined.GetEvent(i).Should().Equal(expected.GetEvent(i)); // each event's place is known, for a 413 or a partial acknowledgement
            }

            using var rest = combined.Skip(combined.EventCount / 2);
            ChunkBodies.Parse(rest).Events.Should().Equal(groups.SelectMany(g => g).Skip(combined.EventCount / 2));
        }, iter: 200);

    [Fact]
    public void A_combined_chunk_holds_its_chunks_until_it_is_disposed()
    {
        var first = Build(["a"]);
        var second = Build(["b", "c"]);

        var combined = IntakeChunk.Combine([first, second]);
        ChunkBodies.Parse(second).Events.Should().Equal("b", "c");
        combined.Dispose();

        first.Invoking(c => c.Body).Should().Throw<ObjectDisposedException>("their buffers went back to the pool with the combined chunk");
        second.Invoking(c => c.Body).Should().Throw<ObjectDisposedException>();
    }

    [Fact]
    public void A_slice_of_a_combined_chunk_outlives_it()
    {
        var combined = IntakeChunk.Combine([Build(["a", "b"]), Build(["c"])]);
        using var rest = combined.Skip(1);
        combined.Dispose();

        ChunkBodies.Parse(rest).Events.Should().Equal("b", "c");
    }
}
