using System.IO.Compression;

using Microsoft.Extensions.DependencyInjection;

using MimecastActors.Sekoia;

namespace MimecastActors.Tests.Sekoia;

public sealed class IntakeWireTests
{
    private const string Key = "super-secret-intake-key";

    private static IntakeChunk Chunk(params string[] events)
    {
        using var builder = new IntakeChunkBuilder(Key);
        foreach (var e in events)
        {
            builder.TryAdd(ChunkBodies.Utf8(e));
        }

        return builder.Seal();
    }

    [Fact]
    public async Task A_compressed_body_is_gzip_with_the_header_and_replays_identically()
    {
        var chunk = Chunk("{\"a\":1}", "{\"b\":\"x\\\"y\"}");
        using var content = new IntakeRequestContent(chunk, compress: true);

        content.Headers.ContentEncoding.Should().Equal("gzip");
        content.Headers.ContentLength.Should().Be(chunk.GzipLength);
        content.Headers.ContentType!.MediaType.Should().Be("application/json");
        var first = await content.ReadAsByteArrayAsync();
        var second = await content.ReadAsByteArrayAsync();
        second.Should().Equal(first);
        using var unzip = new GZipStream(new MemoryStream(first), CompressionMode.Decompress);
        using var plain = new MemoryStream();
        await unzip.CopyToAsync(plain);
        plain.ToArray().Should().Equal(chunk.Body.ToArray());
    }

    [Fact]
    public async Task An_uncompressed_body_is_sent_as_is()
    {
        var chunk = Chunk("{\"a\":1}");
        using var content = new IntakeRequestContent(chunk, compress: false);

        content.Headers.ContentEncoding.Should().BeEmpty();
        content.Headers.ContentLength.Should().Be(chunk.BodyLength);
        (await content.ReadAsByteArrayAsync()).Should().Equal(chunk.Body.ToArray());
    }

    [Fact]
    public void The_intake_key_appears_in_no_ToString()
    {
        using var services = new ServiceCollection().AddSekoiaIntake().BuildServiceProvider();
        var client = services.GetRequiredService<SekoiaIntakeClientFactory>().Create(new Uri("https://intake.example"), Key);
        using var builder = client.CreateChunkBuilder();
        builder.TryAdd("{}"u8);
        var chunk = builder.Seal();
        IntakeOutcome[] outcomes =
        [
            new IntakeOutcome.Acknowledged(1, 1),
            new IntakeOutcome.RetryLater("r", 503, TimeSpan.FromSeconds(1), 0, 3),
            new IntakeOutcome.Fatal("f", 401, 0, 1),
            new IntakeOutcome.TooLarge("t", 0, 2),
        ];

        var texts = new object[] { client, builder, chunk, new SekoiaIntakeOptions() }.Concat(outcomes).Select(o => o.ToString()!);

        texts.Should().AllSatisfy(t => t.Should().NotContain(Key));
        client.ToString().Should().Contain("https://intake.example/batch");
    }

    [Fact]
    public async Task A_chunk_built_for_another_key_is_refused()
    {
        using var services = new ServiceCollection().AddSekoiaIntake().BuildServiceProvider();
        var client = services.GetRequiredService<SekoiaIntakeClientFactory>().Create(new Uri("https://intake.example"), "other-key");

        var send = () => client.SendAsync(Chunk("{}"));

        (await send.Should().ThrowAsync<ArgumentException>()).Which.Message.Should().NotContain(Key).And.NotContain("other-key");
    }

    [Theory]
    [InlineData("https://intake.sekoia.io", "https://intake.sekoia.io/batch")]
    [InlineData("https://intake.sekoia.io/", "https://intake.sekoia.io/batch")]
    [InlineData("https://app.eu2.sekoia.io/api/v1/intake-http", "https://app.eu2.sekoia.io/api/v1/intake-http/batch")]
    public void Chunks_go_to_the_batch_endpoint_under_the_intake_url(string url, string batch)
    {
        using var services = new ServiceCollection().AddSekoiaIntake().BuildServiceProvider();
        services.GetRequiredService<SekoiaIntakeClientFactory>().Create(new Uri(url), Key).BatchUrl.Should().Be(new Uri(batch));
    }

    [Fact]
    public void Impossible_options_are_refused_when_a_client_is_made()
    {
        using var services = new ServiceCollection().AddSekoiaIntake(o => o.AttemptTimeout = TimeSpan.Zero).BuildServiceProvider();
        var create = () => services.GetRequiredService<SekoiaIntakeClientFactory>().Create(new Uri("https://intake.example"), Key);
        create.Should().Throw<Microsoft.Extensions.Options.OptionsValidationException>();
    }
}
