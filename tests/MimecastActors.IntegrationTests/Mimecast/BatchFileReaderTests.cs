using System.Text.Json;

using MimecastActors.Mimecast;
using MimecastActors.Simulator;
using MimecastActors.Simulator.Mimecast;

namespace MimecastActors.IntegrationTests.Mimecast;

public sealed class BatchFileReaderTests
{
    [Fact]
    public async Task Every_line_is_handed_on_as_its_original_bytes_in_order()
    {
        await using var h = await MimecastHarness.StartAsync();
        var page = await MimecastHarness.Page(h.Client(), new BatchQuery(["receipt"]));
        var file = page.Files[0];
        var sink = new CollectingSink();

        var outcome = await h.Reader.ReadAsync(file, 0, sink, CancellationToken.None);

        var read = outcome.Should().BeOfType<FileRead>().Subject;
        read.Events.Should().Be(20);
        read.LinesRead.Should().Be(20);
        read.CompressedBytes.Should().Be(file.Size);
        var expected = SimulatorLines(h, "receipt", 0);
        sink.Events.Select(e => e.Text).Should().Equal(expected);
        sink.Events.Select(e => e.Line).Should().Equal(Enumerable.Range(1, 20).Select(i => (long)i));
    }

    [Fact]
    public async Task Bad_lines_are_rejected_with_file_and_line_number_and_reading_goes_on()
    {
        await using var h = await MimecastHarness.StartAsync(MimecastHarness.Acme(c => c with
        {
            EventTypes = ["receipt"],
            BacklogFiles = 1,
            Files = [new BatchFileShape { Type = "receipt", Index = 0, InvalidJsonLine = 2, InvalidUtf8Line = 9, OversizeLine = 14 }],
        }));
        var page = await MimecastHarness.Page(h.Client(), new BatchQuery(["receipt"]));
        var sink = new CollectingSink();

        var outcome = await h.Reader.ReadAsync(page.Files[0], 0, sink, CancellationToken.None);

        var read = outcome.Should().BeOfType<FileRead>().Subject;
        (read.Events, read.Rejected).Should().Be((17L, 3L));
        sink.Rejected.Select(r => (r.Rejected.LineNumber, r.Rejected.Reason)).Should().Equal(
            (3L, RejectReason.InvalidJson), (10L, RejectReason.InvalidUtf8), (15L, RejectReason.Oversize));
        sink.Rejected.Should().OnlyContain(r => r.Rejected.FileIdentity == page.Files[0].Identity && r.HeadLength <= 64 * 1024);
        sink.Rejected[2].Rejected.Length.Should().BeGreaterThan(250_000);
        sink.Events.Select(e => Identity(e.Text)).Should().Equal(
            h.Server.Mimecast.PublishedIdentities(MimecastHarness.ClientId).OrderBy(i => int.Parse(i.Split(':')[3])));
    }

    [Fact]
    public async Task A_truncated_gzip_stream_fails_after_the_lines_read_with_the_position()
    {
        await using var h = await MimecastHarness.StartAsync(MimecastHarness.Acme(c => c with
        {
            EventTypes = ["receipt"],
            BacklogFiles = 1,
            Files = [new BatchFileShape { Type = "receipt", Index = 0, TruncateAtLine = 12 }],
        }));
        var page = await MimecastHarness.Page(h.Client(), new BatchQuery(["receipt"]));
        var sink = new CollectingSink();

        var outcome = await h.Reader.ReadAsync(page.Files[0], 0, sink, CancellationToken.None);

        var truncated = outcome.Should().BeOfType<FileTruncated>().Subject;
        truncated.LinesRead.Should().Be(12);
        truncated.CompressedBytes.Should().Be(page.Files[0].Size);
        truncated.Reason.Should().Contain("ends early");
        sink.Events.Should().HaveCount(12, "the half line after the cut is not an event");
        sink.Rejected.Should().BeEmpty();
    }

    [Theory]
    [InlineData(2, 2_000)]
    [InlineData(7, 2_000)]
    [InlineData(3, 3)]
    public async Task A_file_of_several_gzip_members_is_read_whole_and_not_taken_as_truncated(int members, int events)
    {
        await using var h = await MimecastHarness.StartAsync(MimecastHarness.Acme(c => c with
        {
            EventTypes = ["receipt"],
            BacklogFiles = 1,
            EventsPerFile = events,
            Files = [new BatchFileShape { Type = "receipt", Index = 0, Members = members }],
        }));
        var page = await MimecastHarness.Page(h.Client(), new BatchQuery(["receipt"]));
        var sink = new CollectingSink();

        var outcome = await h.Reader.ReadAsync(page.Files[0], 0, sink, CancellationToken.None);

        outcome.Should().BeOfType<FileRead>().Which.Events.Should().Be(events);
        sink.Events.Select(e => e.Text).Should().Equal(SimulatorLines(h, "receipt", 0));
    }

    [Fact]
    public async Task A_file_of_several_gzip_members_cut_in_one_of_them_is_truncated_after_the_lines_before_the_cut()
    {
        await using var h = await MimecastHarness.StartAsync(MimecastHarness.Acme(c => c with
        {
            EventTypes = ["receipt"],
            BacklogFiles = 1,
            EventsPerFile = 2_000,
            Files = [new BatchFileShape { Type = "receipt", Index = 0, Members = 4, TruncateAtLine = 1_234 }],
        }));
        var page = await MimecastHarness.Page(h.Client(), new BatchQuery(["receipt"]));
        var sink = new CollectingSink();

        var outcome = await h.Reader.ReadAsync(page.Files[0], 0, sink, CancellationToken.None);

        outcome.Should().BeOfType<FileTruncated>().Which.LinesRead.Should().Be(1_234);
        sink.Events.Should().HaveCount(1_234);
    }

    [Fact]
    public async Task An_expired_url_is_a_distinct_outcome_and_a_fresh_listing_reads()
    {
        var scenario = MimecastHarness.Acme();
        scenario.Quirks.UrlTtl = TimeSpan.FromSeconds(30);
        await using var h = await MimecastHarness.StartAsync(scenario, fakeTime: true);
        var client = h.Client();
        var page = await MimecastHarness.Page(client, new BatchQuery(["receipt"]));

        h.FakeTime.Advance(TimeSpan.FromSeconds(31));
        var expired = await h.Reader.ReadAsync(page.Files[0], 0, new CollectingSink(), CancellationToken.None);

        expired.Should().BeOfType<FileExpired>().Which.Message.Should().Contain("re-list");
        var again = await MimecastHarness.Page(client, new BatchQuery(["receipt"]));
        again.Files[0].Identity.Should().Be(page.Files[0].Identity);
        (await h.Reader.ReadAsync(again.Files[0], 0, new CollectingSink(), CancellationToken.None)).Should().BeOfType<FileRead>();
    }

    [Fact]
    public async Task Reading_resumes_after_the_lines_already_handled()
    {
        await using var h = await MimecastHarness.StartAsync();
        var page = await MimecastHarness.Page(h.Client(), new BatchQuery(["receipt"]));
        var sink = new CollectingSink();

        var outcome = await h.Reader.ReadAsync(page.Files[0], 15, sink, CancellationToken.None);

        outcome.LinesRead.Should().Be(20);
        sink.Events.Select(e => e.Line).Should().Equal(16, 17, 18, 19, 20);
    }

    [Fact]
    public async Task A_store_failing_with_500_is_retried_then_reported_transient()
    {
        var scenario = MimecastHarness.Acme();
        scenario.Quirks.BlobServerErrorProbability = 1;
        await using var h = await MimecastHarness.StartAsync(scenario, options: o => o.BlobRetries = 2);
        var page = await MimecastHarness.Page(h.Client(), new BatchQuery(["receipt"]));

        var outcome = await h.Reader.ReadAsync(page.Files[0], 0, new CollectingSink(), CancellationToken.None);

        var failed = outcome.Should().BeOfType<FileFailed>().Subject;
        failed.IsTransient.Should().BeTrue();
        failed.Message.Should().Contain("InternalError");
        h.Simulated.Stats.BlobsServed.Should().Be(0);
    }

    [Fact]
    public async Task A_retry_after_of_an_hour_on_a_failed_download_waits_no_longer_than_the_cap()
    {
        var scenario = MimecastHarness.Acme();
        scenario.Quirks.BlobServerErrorProbability = 1;
        scenario.Quirks.BlobServerErrorRetryAfter = TimeSpan.FromHours(1);
        await using var h = await MimecastHarness.StartAsync(scenario, options: o => (o.BlobRetries, o.MaxRetryAfter) = (2, TimeSpan.FromMilliseconds(300)));
        var page = await MimecastHarness.Page(h.Client(), new BatchQuery(["receipt"]));
        using var patience = new CancellationTokenSource(TimeSpan.FromSeconds(20));

        var took = System.Diagnostics.Stopwatch.StartNew();
        var outcome = await h.Reader.ReadAsync(page.Files[0], 0, new CollectingSink(), patience.Token);

        outcome.Should().BeOfType<FileFailed>().Which.IsTransient.Should().BeTrue();
        took.Elapsed.Should().BeGreaterThanOrEqualTo(TimeSpan.FromMilliseconds(550), "two retries, each waiting what the answer asked up to the cap")
            .And.BeLessThan(TimeSpan.FromSeconds(10), "the read's place is not held for the hour the answer asked");
    }

    [Fact]
    public async Task A_download_that_stalls_mid_body_fails_for_now_after_the_idle_timeout_instead_of_waiting_for_ever()
    {
        var scenario = MimecastHarness.Acme(c => c with { EventTypes = ["receipt"], BacklogFiles = 1, EventsPerFile = 2_000 });
        scenario.Quirks.BlobStalls = 1;
        await using var h = await MimecastHarness.StartAsync(scenario, options: o => o.BlobIdleTimeout = TimeSpan.FromMilliseconds(500));
        var page = await MimecastHarness.Page(h.Client(), new BatchQuery(["receipt"]));
        var sink = new CollectingSink();

        var stalled = await h.Reader.ReadAsync(page.Files[0], 0, sink, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30));

        var failed = stalled.Should().BeOfType<FileFailed>().Subject;
        failed.IsTransient.Should().BeTrue();
        failed.Message.Should().Contain("sent nothing for 00:00:00.5");
        failed.LinesRead.Should().BeInRange(1, 1_999, "half the body came before the stall");
        var rest = await h.Reader.ReadAsync(page.Files[0], failed.LinesRead, sink, CancellationToken.None);
        rest.Should().BeOfType<FileRead>();
        sink.Events.Select(e => e.Line).Should().Equal(Enumerable.Range(1, 2_000).Select(i => (long)i));
    }

    private static string Identity(string json)
    {
        using var doc = JsonDocument.Parse(json);
        return doc.RootElement.GetProperty(SimulatedEvent.IdentityField).GetString()!;
    }

    private static List<string> SimulatorLines(MimecastHarness h, string type, int index)
    {
        var client = h.Server.Mimecast.Client(MimecastHarness.ClientId);
        return MimecastActors.IntegrationTests.Simulator.SimulatorHttp.DecodeLines(h.Server.Mimecast.BatchFile(client, type, index))
            .Select(MimecastActors.IntegrationTests.Simulator.SimulatorHttp.Utf8).ToList();
    }
}

/// <summary>Counts the allocations of the whole process, so it runs with no other test beside it.</summary>
[Collection(MeasuredAlone.Name)]
public sealed class BatchFileReaderMemoryTests
{
    [Fact]
    public async Task A_200_000_event_file_streams_with_flat_memory()
    {
        await using var h = await MimecastHarness.StartAsync(MimecastHarness.Acme(c => c with
        {
            EventTypes = ["receipt"],
            BacklogFiles = 1,
            Files = [new BatchFileShape { Type = "receipt", Index = 0, Events = 200_000 }],
        }));
        var page = await MimecastHarness.Page(h.Client(), new BatchQuery(["receipt"]));
        var sink = new CollectingSink { KeepText = false };
        await h.Reader.ReadAsync(page.Files[0], 199_990, sink, CancellationToken.None); // warm up pools and code paths

        var allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
        var outcome = await h.Reader.ReadAsync(page.Files[0], 0, sink, CancellationToken.None);
        var allocated = GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore;

        var read = outcome.Should().BeOfType<FileRead>().Subject;
        read.Events.Should().Be(200_000);
        read.DecompressedBytes.Should().BeGreaterThan(100_000_000);
        // Bounded buffers, no copy per line, no file held in memory: what is allocated is a small fraction of the file.
        allocated.Should().BeLessThan(read.DecompressedBytes / 20, $"the reader allocated {allocated:N0} bytes for {read.DecompressedBytes:N0} decompressed bytes");
    }
}
