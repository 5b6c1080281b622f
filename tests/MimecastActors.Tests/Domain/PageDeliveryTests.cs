using CsCheck;

using MimecastActors.Domain;

using static MimecastActors.Tests.Domain.DomainSamples;

namespace MimecastActors.Tests.Domain;

public sealed class PageDeliveryTests
{
    private const int Retries = 3;

    [Fact]
    public void Files_are_read_one_at_a_time_in_the_listings_order_skipping_what_the_journal_says_is_done()
    {
        var progress = PageProgress.None.Complete("f1");
        progress = progress with { LinesDone = progress.LinesDone.SetItem("f2", 40) };

        var first = Page("f1", "f2", "f3").ReadNext(progress, T0);

        first.Steps.Should().Equal(new DeliveryStep.Read("f2", 40));
        first.Delivery!.Reading.Should().Be("f2");
        first.Delivery.ReadNext(progress, T0).Steps.Should().BeEmpty("one file is read at a time");
    }

    [Fact]
    public void A_page_without_files_completes_at_once()
    {
        var decision = PageDelivery.Begin("receipt", [], "token-2", caughtUp: true).ReadNext(PageProgress.None, T0);

        decision.Delivery.Should().BeNull();
        decision.Steps.Should().Equal(new DeliveryStep.Record(new TenantEvents.PageCompleted("receipt", "token-2", true, T0)));
    }

    [Fact]
    public void A_file_completes_when_read_to_its_end_and_acknowledged_then_the_next_is_read_and_the_last_completes_the_page()
    {
        var run = new PageRun("f1", "f2");
        run.Start().Should().Equal(new DeliveryStep.Read("f1", 0));

        run.Ack("f1", 1, 100, T0.AddMinutes(-9), endsRead: true).Should().BeEmpty("the read's end, still to come, journals it");
        run.ReadEnded("f1", 100, new ReadEnd.Whole()).Should().Equal(
            new DeliveryStep.Record(new TenantEvents.FileCompleted("receipt", "f1", T0.AddMinutes(-9), T0)),
            new DeliveryStep.Read("f2", 0));

        run.ReadEnded("f2", 50, new ReadEnd.Whole()).Should().BeEmpty("its chunk is not acknowledged yet");
        run.Ack("f2", 1, 50, T0.AddMinutes(-5), endsRead: true).Should().Equal(
            new DeliveryStep.Record(new TenantEvents.PageCompleted("receipt", "token-2", false, T0, T0.AddMinutes(-5))));
        run.Delivery.Should().BeNull();
        run.State.Streams["receipt"].Cursor.Should().Be("token-2");
    }

    [Fact]
    public void Acknowledgements_journal_only_the_contiguous_prefix_of_a_file()
    {
        var run = new PageRun("f1");
        run.Start();

        run.Ack("f1", 11, 20, null, endsRead: false).Should().BeEmpty("lines 1-10 are still in flight");
        run.Ack("f1", 1, 10, T0.AddMinutes(-3), endsRead: false).Should().Equal(
            new DeliveryStep.Record(new TenantEvents.FileProgressed("receipt", "f1", 20, T0.AddMinutes(-3), T0)));
        run.Ack("f1", 1, 10, null, endsRead: false).Should().BeEmpty("an acknowledgement already counted moves nothing");
    }

    [Fact]
    public void A_file_that_ends_early_is_read_again_from_where_its_chunks_stopped_and_after_the_last_retry_its_tail_is_set_aside()
    {
        var run = new PageRun("f1");
        run.Start();
        run.Ack("f1", 1, 10, null, endsRead: true);

        run.ReadEnded("f1", 10, new ReadEnd.Truncated(12, "gzip ends early", 999)).Should().Equal(
            new DeliveryStep.ReadAgainLater("gzip ends early", 1),
            new DeliveryStep.Record(new TenantEvents.FileProgressed("receipt", "f1", 10, null, T0)));
        run.Next().Should().Equal(new DeliveryStep.Read("f1", 10));
        run.ReadEnded("f1", 10, new ReadEnd.Truncated(12, "gzip ends early", 999)).Should().Equal(new DeliveryStep.ReadAgainLater("gzip ends early", 2));
        run.Next();

        run.ReadEnded("f1", 10, new ReadEnd.Truncated(12, "gzip ends early", 999)).Should().Equal(
            new DeliveryStep.SetAsideRest("f1", 13, "Truncated", "gzip ends early", 999, Retries),
            new DeliveryStep.Record(new TenantEvents.PageCompleted("receipt", "token-2", false, T0)));
    }

    [Fact]
    public void An_expired_url_lists_the_page_again_at_once_and_the_file_goes_on_from_where_it_stopped()
    {
        var run = new PageRun("f1", "f2");
        run.Start();

        run.ReadEnded("f1", 30, new ReadEnd.Expired("the URL expired")).Should().Equal(new DeliveryStep.ListAgain("the URL expired", Backoff: false));
        run.Delivery!.NeedsRelist.Should().BeTrue();
        run.Next().Should().BeEmpty("nothing is read before the page is listed again");

        run.Delivery = run.Delivery.Relisted(["f1", "f2"], "token-2", caughtUp: false);
        run.Next().Should().Equal(new DeliveryStep.Read("f1", 30));
    }

    [Fact]
    public void A_file_refused_for_good_is_listed_again_after_a_backoff_and_after_the_last_retry_set_aside_from_its_first_line_not_offered()
    {
        var run = new PageRun("f1", "f2");
        run.Start();

        for (var refusal = 1; refusal < Retries; refusal++)
        {
            run.ReadEnded("f1", 20, new ReadEnd.Refused("404")).Should().Equal(new DeliveryStep.ListAgain("404", Backoff: true));
            run.Delivery = run.Delivery!.Relisted(["f1", "f2"], "token-2", caughtUp: false);
            run.Next().Should().Equal(new DeliveryStep.Read("f1", 20));
        }

        run.ReadEnded("f1", 20, new ReadEnd.Refused("404")).Should().Equal(
            new DeliveryStep.SetAsideRest("f1", 21, "Unreadable", "404", 0, Retries));
        run.Ack("f1", 1, 20, null, endsRead: true).Should().Equal(
            new DeliveryStep.Record(new TenantEvents.FileCompleted("receipt", "f1", null, T0)),
            new DeliveryStep.Read("f2", 0));
    }

    [Fact]
    public void A_read_that_fails_for_now_backs_off_by_the_failures_in_a_row_and_a_whole_read_resets_them()
    {
        var run = new PageRun("f1", "f2");
        run.Start();

        run.ReadEnded("f1", null, new ReadEnd.Failed("503")).Should().Equal(new DeliveryStep.ReadAgainLater("503", 1));
        run.Next();
        run.ReadEnded("f1", null, new ReadEnd.Failed("503")).Should().Equal(new DeliveryStep.ReadAgainLater("503", 2));
        run.Next();
        run.ReadEnded("f1", 0, new ReadEnd.Whole());
        run.Delivery!.ReadFailures.Should().Be(0);
        run.ReadEnded("f2", null, new ReadEnd.Failed("503")).Should().Equal(new DeliveryStep.ReadAgainLater("503", 1));
    }

    [Fact]
    public void Rejected_lines_after_the_last_line_offered_are_read_again_but_not_recorded_again()
    {
        var run = new PageRun("f1");
        run.Start();

        run.ReadEnded("f1", 11, new ReadEnd.Failed("503"), setAsideThrough: 12);
        run.Next().Should().Equal(new DeliveryStep.Read("f1", 11, 12));
        run.ReadEnded("f1", null, new ReadEnd.Failed("reset"));
        run.Next().Should().Equal(new[] { new DeliveryStep.Read("f1", 11, 12) }, "a read that said nothing keeps what the last one said");
    }

    [Fact]
    public void A_cancelled_read_journals_what_was_acknowledged_and_does_nothing_else()
    {
        var run = new PageRun("f1");
        run.Start();
        run.Ack("f1", 1, 10, T0.AddMinutes(-1), endsRead: true).Should().BeEmpty();

        run.ReadEnded("f1", 10, new ReadEnd.Cancelled()).Should().Equal(
            new DeliveryStep.Record(new TenantEvents.FileProgressed("receipt", "f1", 10, T0.AddMinutes(-1), T0)));
    }

    [Fact]
    public void A_read_end_or_acknowledgement_of_a_file_never_read_changes_nothing()
    {
        var delivery = Page("f1");

        foreach (var decision in new[]
        {
            delivery.ReadEnded("f9", 10, null, new ReadEnd.Whole(), Retries, PageProgress.None, T0),
            delivery.Acknowledged("f9", 1, 10, null, true, PageProgress.None, T0),
        })
        {
            decision.Delivery.Should().BeSameAs(delivery);
            decision.Steps.Should().BeEmpty();
        }
    }

    /// <summary>
    /// Whatever the order of acknowledgements and read ends, and however often reads fail part-way: every line is
    /// offered exactly once, the journal never checkpoints a line the intake has not acknowledged, and the page
    /// completes exactly once, after every line of every file.
    /// </summary>
    [Fact]
    public void Any_interleaving_delivers_every_line_once_and_checkpoints_only_acknowledged_lines() =>
        Gen.Select(Gen.Int[1, 30].Array[1, 4], Gen.Int[1, 8], Gen.Int).Sample((lines, chunk, seed) =>
        {
            var random = new Random(seed);
            var files = lines.Select((_, i) => $"f{i}").ToArray();
            var run = new PageRun(files);
            var offered = files.ToDictionary(f => f, _ => new List<long>());
            var acked = files.ToDictionary(f => f, _ => new HashSet<long>());
            var inFlight = new List<(string File, long First, long Last, bool EndsRead)>();
            (string File, long Through, bool Whole)? readEnd = null;
            var pageCompletions = 0;

            void Carry(IReadOnlyList<DeliveryStep> steps)
            {
                foreach (var step in steps)
                {
                    switch (step)
                    {
                        case DeliveryStep.Read read:
                            // The read offers its chunks, and fails after some of them one time in four.
                            var total = lines[Array.IndexOf(files, read.File)];
                            var through = read.Skip;
                            var fails = random.Next(4) == 0;
                            var stopAt = fails ? read.Skip + random.Next(0, (int)(total - read.Skip) + 1) : total;
                            while (through < stopAt)
                            {
                                var last = Math.Min(stopAt, through + chunk);
                                offered[read.File].AddRange(Enumerable.Range((int)through + 1, (int)(last - through)).Select(l => (long)l));
                                inFlight.Add((read.File, through + 1, last, last == stopAt));
                                through = last;
                            }

                            readEnd = (read.File, through, !fails);
                            break;
                        case DeliveryStep.ReadAgainLater:
                            Carry(run.Next());
                            break;
                        case DeliveryStep.Record { Event: TenantEvents.FileProgressed p }:
                            Enumerable.Range(1, (int)p.Lines).Should().OnlyContain(l => acked[p.File].Contains(l), "a checkpoint passes only acknowledged lines");
                            break;
                        case DeliveryStep.Record { Event: TenantEvents.FileCompleted c }:
                            acked[c.File].Should().HaveCount(lines[Array.IndexOf(files, c.File)]);
                            break;
                        case DeliveryStep.Record { Event: TenantEvents.PageCompleted }:
                            pageCompletions++;
                            files.Should().OnlyContain(f => acked[f].Count == lines[Array.IndexOf(files, f)]);
                            break;
                        default:
                            throw new InvalidOperationException($"unexpected step {step}");
                    }
                }
            }

            Carry(run.Start());
            while (run.Delivery is not null)
            {
                // The read's end may come before or after any of its chunks' acknowledgements.
                if (readEnd is { } end && (inFlight.Count == 0 || random.Next(3) == 0))
                {
                    readEnd = null;
                    Carry(run.ReadEnded(end.File, end.Through, end.Whole ? new ReadEnd.Whole() : new ReadEnd.Failed("503")));
                }
                else if (inFlight.Count > 0)
                {
                    var (file, first, last, endsRead) = inFlight[random.Next(inFlight.Count)];
                    inFlight.Remove((file, first, last, endsRead));
                    for (var line = first; line <= last; line++)
                    {
                        acked[file].Add(line);
                    }

                    Carry(run.Ack(file, first, last, null, endsRead));
                }
                else
                {
                    throw new InvalidOperationException("the page stalled: nothing in flight, no read, not complete");
                }
            }

            pageCompletions.Should().Be(1);
            files.Should().OnlyContain(f => offered[f].SequenceEqual(Enumerable.Range(1, lines[Array.IndexOf(files, f)]).Select(l => (long)l)),
                "every line is offered once, in order");
        });

    private static PageDelivery Page(params string[] files) => PageDelivery.Begin("receipt", files, "token-2", caughtUp: false);

    /// <summary>A page's delivery with the tenant's state beside it, the journal's events applied as the puller does.</summary>
    private sealed class PageRun(params string[] files)
    {
        public TenantState State { get; private set; } = Configured();

        public PageDelivery? Delivery { get; set; } = Page(files);

        private PageProgress Progress => State.Streams["receipt"].Page;

        public IReadOnlyList<DeliveryStep> Start() => Next();

        public IReadOnlyList<DeliveryStep> Next() => Take(Delivery!.ReadNext(Progress, T0));

        public IReadOnlyList<DeliveryStep> ReadEnded(string file, long? offeredThrough, ReadEnd end, long? setAsideThrough = null) =>
            Take(Delivery!.ReadEnded(file, offeredThrough, setAsideThrough, end, Retries, Progress, T0));

        public IReadOnlyList<DeliveryStep> Ack(string file, long first, long last, DateTimeOffset? newest, bool endsRead) =>
            Take(Delivery!.Acknowledged(file, first, last, newest, endsRead, Progress, T0));

        private IReadOnlyList<DeliveryStep> Take(DeliveryDecision decision)
        {
            Delivery = decision.Delivery;
            foreach (var record in decision.Steps.OfType<DeliveryStep.Record>())
            {
                State = State.Apply(record.Event);
            }

            return decision.Steps;
        }
    }
}
