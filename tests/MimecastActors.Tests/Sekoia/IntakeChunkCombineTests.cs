using System.IO.Compression;

using CsCheck;

using MimecastActors.Sekoia;

namespace MimecastActors.Tests.Sekoia;

public sealed class IntakeChunkCombineTests
{
    private const string Key = "a \"quoted\\ key";

    /// <summary>The request body as the intake reads it; GZipStream checks the trailer's CRC-32 and length.</summary>
    private static byte[] Gunzip(IntakeChunk chunk)
    {
        var request = new MemoryStream();
        chunk.WriteGzipToAsync(request, CancellationToken.None).GetAwaiter().GetResult();
        request.Length.Should().Be(chunk.GzipLength);
        request.Position = 0;
        using var gunzip = new GZipStream(request, CompressionMode.Decompress);
        var body = new MemoryStream();
        gunzip.CopyTo(body);
        return body.ToArray();
    }

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

            Gunzip(combined).Should().Equal(expected.Body.ToArray(), "the request is the chunks' compressed events side by side, in one gzip member");
            using var plain = new IntakeRequestContent(combined, compress: false);
            plain.ReadAsByteArrayAsync().GetAwaiter().GetResult().Should().Equal(expected.Body.ToArray(), "an intake without compression gets the same body");
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
    public void Crc32_of_two_pieces_is_combined_from_their_own() =>
        Gen.Byte.Array[0, 300].Select(Gen.Byte.Array[0, 300]).Sample((first, second) =>
        {
            var whole = System.IO.Hashing.Crc32.HashToUInt32([.. first, .. second]);
            GzipMember.CombineCrc(GzipMember.Crc(first), GzipMember.Crc(second), second.Length).Should().Be(whole);
        }, iter: 500);

    [Fact]
    public void A_combined_chunk_holds_its_chunks_until_it_is_disposed()
    {
        var first = Build(["a"]);
        var second = Build(["b", "c"]);

        var combined = IntakeChunk.Combine([first, second]);
        ChunkBodies.Parse(second).Events.Should().Equal("b", "c");
        combined.Dispose();

        first.Invoking(c => c.Body).Should().Throw<ObjectDisposedException>("their blocks went back to the pool with the combined chunk");
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
