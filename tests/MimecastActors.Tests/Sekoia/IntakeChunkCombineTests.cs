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

            combined.Body.ToArray().Should().Equal(expected.Body.ToArray());
            combined.EventCount.Should().Be(expected.EventCount);
            var predicted = chunks.Skip(1).Aggregate(chunks[0].Body.Length, (bytes, chunk) => chunk.BodyBytesAfter(bytes));
            predicted.Should().Be(combined.Body.Length);
            for (var i = 0; i < combined.EventCount; i++)
            {
                combined.GetEvent(i).Should().Equal(expected.GetEvent(i)); // each event's place is known, for a 413 or a partial acknowledgement
            }

            using var rest = combined.Skip(combined.EventCount / 2);
            ChunkBodies.Parse(rest).Events.Should().Equal(groups.SelectMany(g => g).Skip(combined.EventCount / 2));
            chunks.ForEach(c => c.Dispose());
        }, iter: 200);

    [Fact]
    public void The_chunks_stay_readable_after_they_are_combined()
    {
        using var first = Build(["a"]);
        using var second = Build(["b", "c"]);

        using (IntakeChunk.Combine([first, second]))
        {
        }

        ChunkBodies.Parse(second).Events.Should().Equal("b", "c");
    }
}
