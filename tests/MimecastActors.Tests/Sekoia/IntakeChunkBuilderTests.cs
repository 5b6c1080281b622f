using System.IO.Compression;
using System.Text;

using CsCheck;

using MimecastActors.Sekoia;

namespace MimecastActors.Tests.Sekoia;

public sealed class IntakeChunkBuilderTests
{
    private const string Key = "k";

    /// <summary>Pieces that stress the escaping: quotes, backslashes, control characters, non-ASCII, astral characters, JSON-looking text.</summary>
    private static readonly Gen<string> Piece = Gen.OneOf(
        Gen.OneOf("\"", "\\", "\n", "\r", "\t", "\u0000", "\u0001", "\u001f", "\u007f", "é", "€", "日本", "😀", "\u2028", "\u2029", "\ufeff",
            "<script>", "&amp;", "'", "/", "\\u0041", "{\"a\":1}", " "),
        Gen.Char['a', 'z'].Select(c => c.ToString()),
        Gen.Int[0, 1000].Select(i => $"{{\"n\":{i}}}"));

    /// <summary>Events whose escaping is hard to get right (also used by the tests of combined chunks).</summary>
    internal static readonly Gen<string> Event = Piece.Array[0, 30].Select(string.Concat);

    [Fact]
    public void Chunking_preserves_every_event_once_in_order_within_the_limits() =>
        Gen.Select(Event.Array[0, 60], Gen.Int[48, 600], Gen.Int[1, 12]).Sample((events, maxBody, maxEvents) =>
        {
            using var builder = new IntakeChunkBuilder(Key, maxBody, maxEvents);
            var chunks = new List<IntakeChunk>();
            var expected = new List<string>();
            foreach (var e in events)
            {
                var result = builder.TryAdd(ChunkBodies.Utf8(e));
                if (result == ChunkAddResult.ChunkFull)
                {
                    chunks.Add(builder.Seal());
                    result = builder.TryAdd(ChunkBodies.Utf8(e));
                }

                result.Should().BeOneOf(ChunkAddResult.Added, ChunkAddResult.RejectedTooLarge);
                if (result == ChunkAddResult.Added)
                {
                    expected.Add(e);
                }
                else
                {
                    // Only an event that could not fit even alone is refused.
                    builder.EventCount.Should().Be(0);
                }
            }

            if (builder.EventCount > 0)
            {
                chunks.Add(builder.Seal());
            }

            var sent = new List<string>();
            foreach (var chunk in chunks)
            {
                chunk.Body.Length.Should().BeLessThanOrEqualTo(maxBody);
                chunk.EventCount.Should().BeInRange(1, maxEvents);
                var (key, jsons) = ChunkBodies.Parse(chunk);
                key.Should().Be(Key);
                jsons.Should().HaveCount(chunk.EventCount);
                sent.AddRange(jsons);
            }

            sent.Should().Equal(expected);
        }, iter: 300);

    [Fact]
    public void Split_halves_together_equal_the_original_and_slices_read_back_each_event() =>
        Gen.Select(Event.Array[2, 40], Gen.Int[0, 100]).Sample((events, skipPercent) =>
        {
            using var builder = new IntakeChunkBuilder("a \"quoted\\ key", 1 << 20, 1000);
            foreach (var e in events)
            {
                builder.TryAdd(ChunkBodies.Utf8(e)).Should().Be(ChunkAddResult.Added);
            }

            var chunk = builder.Seal();
            var (first, second) = chunk.Split();
            var (key1, head) = ChunkBodies.Parse(first);
            var (key2, tail) = ChunkBodies.Parse(second);
            key1.Should().Be("a \"quoted\\ key");
            key2.Should().Be(key1);
            head.Concat(tail).Should().Equal(events);
            head.Should().HaveCount(first.EventCount).And.HaveCount(events.Length / 2);
            tail.Should().HaveCount(second.EventCount);

            var skip = Math.Min(events.Length - 1, events.Length * skipPercent / 100);
            ChunkBodies.Parse(chunk.Skip(skip)).Events.Should().Equal(events.Skip(skip));
            Enumerable.Range(0, events.Length).Select(i => Encoding.UTF8.GetString(chunk.GetEvent(i))).Should().Equal(events);
        }, iter: 200);

    [Fact]
    public void Events_are_measured_after_escaping_not_before()
    {
        const int prefix = 27; // {"intake_key":"k","jsons":[
        const int limit = prefix + 150 + 2;
        using var builder = new IntakeChunkBuilder(Key, limit, 100);

        // 100 raw bytes fit; escaped to 200 they do not, even alone.
        builder.TryAdd(ChunkBodies.Utf8(new string('"', 100))).Should().Be(ChunkAddResult.RejectedTooLarge);
        builder.TryAdd(ChunkBodies.Utf8(new string('x', 100))).Should().Be(ChunkAddResult.Added);
        builder.BodyBytes.Should().Be(prefix + 102 + 2);
        builder.TryAdd(ChunkBodies.Utf8(new string('x', 47))).Should().Be(ChunkAddResult.ChunkFull);
        builder.TryAdd(ChunkBodies.Utf8(new string('x', 45))).Should().Be(ChunkAddResult.Added);
        builder.BodyBytes.Should().Be(limit);
        builder.Seal().Body.Length.Should().Be(limit);
    }

    [Fact]
    public void The_event_count_limit_closes_a_chunk_and_the_builder_is_reused()
    {
        using var builder = new IntakeChunkBuilder(Key, maxEvents: 2);
        builder.TryAdd("{}"u8).Should().Be(ChunkAddResult.Added);
        builder.TryAdd("{}"u8).Should().Be(ChunkAddResult.Added);
        builder.TryAdd("{\"c\":3}"u8).Should().Be(ChunkAddResult.ChunkFull);
        builder.Seal().EventCount.Should().Be(2);

        builder.EventCount.Should().Be(0);
        builder.TryAdd("{\"c\":3}"u8).Should().Be(ChunkAddResult.Added);
        ChunkBodies.Parse(builder.Seal()).Events.Should().Equal("{\"c\":3}");
    }

    [Fact]
    public void The_body_is_exactly_the_intake_shape_with_each_event_escaped_once()
    {
        using var builder = new IntakeChunkBuilder("ke\"y\\");
        builder.TryAdd("{\"a\":\"b\\n\"}"u8);
        builder.TryAdd("é\u0001"u8);

        Encoding.UTF8.GetString(builder.Seal().Body.Span).Should().Be(
            """{"intake_key":"ke\"y\\","jsons":["{\"a\":\"b\\n\"}","é\u0001"]}""");
    }

    [Fact]
    public void Every_byte_that_needs_escaping_is_escaped_wherever_it_falls_in_a_block()
    {
        // The escaper works 32 bytes at a time with a scalar tail: put each special byte at every offset of
        // events that end inside, at and after a block boundary, and read each back as the intake does.
        var specials = Enumerable.Range(0, 0x20).Select(b => (char)b).Concat(['"', '\\']).ToList();
        foreach (var length in new[] { 1, 31, 32, 33, 64, 70, 100 })
        {
            foreach (var special in specials)
            {
                using var builder = new IntakeChunkBuilder(Key, maxEvents: length);
                var events = Enumerable.Range(0, length)
                    .Select(at => new string('é', at % 3) + new string('a', at) + special + new string('z', length - at))
                    .ToList();
                foreach (var e in events)
                {
                    builder.TryAdd(ChunkBodies.Utf8(e)).Should().Be(ChunkAddResult.Added);
                }

                ChunkBodies.Parse(builder.Seal()).Events.Should().Equal(events);
            }
        }
    }

    [Fact]
    public void Events_dense_with_bytes_to_escape_read_back_unchanged() =>
        // Several escapes in one block, short and six-byte ones mixed, runs across block boundaries.
        Gen.OneOf(Gen.Char['\0', '\u001f'], Gen.OneOf(Gen.Const('"'), Gen.Const('\\')), Gen.Char['a', 'z'], Gen.OneOf(Gen.Const('é'), Gen.Const('日')))
            .Array[0, 200].Select(c => new string(c)).Array[1, 8]
            .Sample(
                events =>
                {
                    using var builder = new IntakeChunkBuilder(Key);
                    foreach (var e in events)
                    {
                        builder.TryAdd(ChunkBodies.Utf8(e)).Should().Be(ChunkAddResult.Added);
                    }

                    ChunkBodies.Parse(builder.Seal()).Events.Should().Equal(events);
                },
                iter: 5_000);

    [Fact]
    public void A_sealed_chunk_keeps_its_body_while_the_builder_goes_on_and_refuses_to_be_read_once_disposed()
    {
        using var builder = new IntakeChunkBuilder(Key);
        builder.TryAdd("{\"a\":1}"u8);
        var first = builder.Seal();
        var before = first.Body.ToArray();

        builder.TryAdd("{\"b\":2222222222}"u8);
        using var second = builder.Seal();
        first.Body.ToArray().Should().Equal(before, "the builder hands its buffer over and builds on in another");
        var slice = second.Slice(0, 1);

        first.Dispose();
        first.Dispose(); // once is enough; twice is harmless
        first.Invoking(c => c.Body).Should().Throw<ObjectDisposedException>();
        ChunkBodies.Parse(second).Events.Should().Equal("{\"b\":2222222222}");
        ChunkBodies.Parse(slice).Events.Should().Equal("{\"b\":2222222222}");
    }

    [Fact]
    public void Sealing_an_empty_chunk_is_a_mistake()
    {
        using var builder = new IntakeChunkBuilder(Key);
        builder.Invoking(b => b.Seal()).Should().Throw<InvalidOperationException>();
    }

    [Fact]
    public async Task A_chunk_is_held_compressed_from_the_start_and_sent_as_one_gzip_member()
    {
        using var builder = new IntakeChunkBuilder(Key);
        var events = Enumerable.Range(0, 3_000)
            .Select(i => $"{{\"aggregateId\":\"agg-{i % 97}\",\"processingId\":\"{i * 7919}\",\"subject\":\"Invoice {i % 13} \\\"due\\\"\",\"timestamp\":{1_700_000_000_000L + i}}}")
            .ToList();
        foreach (var e in events)
        {
            builder.TryAdd(ChunkBodies.Utf8(e)).Should().Be(ChunkAddResult.Added);
        }

        using var chunk = builder.Seal();

        chunk.GzipLength.Should().BeLessThan(chunk.BodyLength / 4, "the events were compressed as they were added");
        var request = new MemoryStream();
        await chunk.WriteGzipToAsync(request, CancellationToken.None);
        request.Length.Should().Be(chunk.GzipLength);
        request.Position = 0;
        var body = new MemoryStream();
        await using (var gunzip = new GZipStream(request, CompressionMode.Decompress))
        {
            await gunzip.CopyToAsync(body); // checks the trailer's CRC-32 and length
        }

        var (key, sent) = ChunkBodies.Parse(body.ToArray());
        key.Should().Be(Key);
        sent.Should().Equal(events);
    }

    [Theory]
    [InlineData("x", 250_000, ChunkAddResult.Added)]
    [InlineData("x", 250_001, ChunkAddResult.RejectedTooLong)]
    [InlineData("é", 250_000, ChunkAddResult.Added)] // 500,000 bytes, but 250,000 characters
    [InlineData("é", 250_001, ChunkAddResult.RejectedTooLong)]
    [InlineData("😀", 250_000, ChunkAddResult.Added)] // 500,000 UTF-16 units: Python counts code points
    [InlineData("😀", 250_001, ChunkAddResult.RejectedTooLong)]
    public void Events_over_250000_code_points_are_rejected(string character, int repeat, ChunkAddResult expected)
    {
        var line = Encoding.UTF8.GetBytes(string.Concat(Enumerable.Repeat(character, repeat)));
        using var builder = new IntakeChunkBuilder(Key);

        builder.TryAdd(line).Should().Be(expected);
        builder.EventCount.Should().Be(expected == ChunkAddResult.Added ? 1 : 0);
    }

    [Fact]
    public void A_rejected_event_leaves_the_chunk_as_it_was()
    {
        using var builder = new IntakeChunkBuilder(Key);
        builder.TryAdd("{\"a\":1}"u8).Should().Be(ChunkAddResult.Added);
        builder.TryAdd(new byte[250_001]).Should().Be(ChunkAddResult.RejectedTooLong);
        builder.TryAdd([(byte)'{', 0xC3, 0x28, (byte)'}']).Should().Be(ChunkAddResult.RejectedInvalidUtf8);
        builder.TryAdd("{\"b\":2}"u8).Should().Be(ChunkAddResult.Added);

        ChunkBodies.Parse(builder.Seal()).Events.Should().Equal("{\"a\":1}", "{\"b\":2}");
    }

    [Fact]
    public void Code_points_are_counted_as_python_len_does() =>
        Gen.String.Where(s => !s.Any(char.IsSurrogate)).Sample(s =>
            IntakeLimits.CountCodePoints(Encoding.UTF8.GetBytes(s)).Should().Be(s.EnumerateRunes().Count()));
}
