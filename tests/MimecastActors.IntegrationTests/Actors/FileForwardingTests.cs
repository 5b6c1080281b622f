using Akka.TestKit;

using MimecastActors.Actors;
using MimecastActors.IntegrationTests.Mimecast;
using MimecastActors.IntegrationTests.Sekoia;
using MimecastActors.Mimecast;
using MimecastActors.Simulator;

using static MimecastActors.Actors.ForwarderProtocol;

namespace MimecastActors.IntegrationTests.Actors;

/// <summary>Reading a batch file into chunks for a forwarder (here a probe), over real HTTP from the simulator, under the node-wide read gate.</summary>
public sealed class FileForwardingTests : Akka.TestKit.Xunit2.TestKit, IAsyncLifetime
{
    private readonly string _rejected = Directory.CreateTempSubdirectory("mimecast-forwarding-").FullName;
    private MimecastHarness _mimecast = null!;
    private IntakeHarness _intake = null!;
    private IReadOnlyList<BatchFileRef> _files = [];

    public async Task InitializeAsync()
    {
        _mimecast = await MimecastHarness.StartAsync();
        _intake = await IntakeHarness.StartAsync(o => o.MaxEventsPerChunk = 5); // a file of 20 events is 4 chunks
        _files = (await MimecastHarness.Page(_mimecast.Client(), new BatchQuery(["receipt"]))).Files;
    }

    public async Task DisposeAsync()
    {
        await _intake.DisposeAsync();
        await _mimecast.DisposeAsync();
        Directory.Delete(_rejected, recursive: true);
    }

    private Task<FileForwarded> Forward(int file, TestProbe forwarder, SemaphoreSlim readGate, CancellationToken cancel = default) =>
        FileForwarding.RunAsync("acme", "receipt", _files[file], 0, 0, 0, _mimecast.Reader, _intake.Client, forwarder.Ref,
            new RejectedLineFiles(_rejected), readGate, TimeProvider.System, cancel);

    private static async Task<FileForwarded> AcceptAll(TestProbe forwarder, Task<FileForwarded> reading)
    {
        for (var chunk = 0; chunk < 4; chunk++)
        {
            var offer = forwarder.ExpectMsg<Offer>(TimeSpan.FromSeconds(10));
            offer.Chunk.EventCount.Should().Be(5);
            forwarder.Reply(new Accepted(offer.Origin));
        }

        return await reading.WaitAsync(TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task A_file_is_read_only_when_the_read_gate_has_room()
    {
        using var gate = new SemaphoreSlim(1);
        await gate.WaitAsync(); // another read holds the only place
        var forwarder = CreateTestProbe();

        var reading = Forward(0, forwarder, gate);
        forwarder.ExpectNoMsg(TimeSpan.FromMilliseconds(500));
        gate.Release();

        (await AcceptAll(forwarder, reading)).OfferedThrough.Should().Be(20);
        gate.CurrentCount.Should().Be(1, "a finished read gives its place back");
    }

    [Fact]
    public async Task A_read_waiting_for_a_full_forwarder_gives_its_place_up_so_other_tenants_read_on()
    {
        using var gate = new SemaphoreSlim(1);
        using var cancel = new CancellationTokenSource();
        var stuck = CreateTestProbe(); // a forwarder whose intake is down: it never accepts
        var healthy = CreateTestProbe();

        var waiting = Forward(0, stuck, gate, cancel.Token);
        stuck.ExpectMsg<Offer>(TimeSpan.FromSeconds(10));
        AwaitCondition(() => gate.CurrentCount == 1, TimeSpan.FromSeconds(5));

        (await AcceptAll(healthy, Forward(1, healthy, gate))).OfferedThrough.Should().Be(20);

        // The stuck read ends when its tenant stops; it neither holds nor frees a place twice.
        await cancel.CancelAsync();
        await waiting.Invoking(w => w.WaitAsync(TimeSpan.FromSeconds(10))).Should().ThrowAsync<OperationCanceledException>();
        gate.CurrentCount.Should().Be(1);
    }

    [Fact]
    public async Task A_rejected_line_after_the_last_line_offered_is_recorded_once_however_often_the_file_is_read_again()
    {
        await using var mimecast = await StartWithBadLineBeforeTheCut();
        var file = (await MimecastHarness.Page(mimecast.Client(), new BatchQuery(["receipt"]))).Files[0];
        var rejected = new RejectedLineFiles(_rejected);
        long offered = 0, setAside = 0;
        var setAsideByRead = new List<int>();

        for (var read = 0; read < 3; read++)
        {
            var result = await ReadOnce(mimecast, file, offered, setAside, rejected);
            result.Outcome.Should().BeOfType<FileTruncated>();
            (offered, setAside) = (result.OfferedThrough, result.SetAsideThrough);
            setAsideByRead.Add(result.SetAside.Count);
        }

        (offered, setAside).Should().Be((11L, 12L));
        setAsideByRead.Should().Equal(1, 0, 0);
        File.ReadAllLines(rejected.PathFor("acme")).Should().ContainSingle().Which.Should().Contain("\"line\":12");
    }

    [Fact]
    public async Task A_rejected_line_whose_record_could_not_be_written_is_recorded_by_the_next_read()
    {
        await using var mimecast = await StartWithBadLineBeforeTheCut();
        var file = (await MimecastHarness.Page(mimecast.Client(), new BatchQuery(["receipt"]))).Files[0];
        var rejected = new RejectedLineFiles(_rejected);

        var failed = await ReadOnce(mimecast, file, 0, 0, new DiskFullOnce(rejected));

        var failure = failed.Outcome.Should().BeOfType<FileFailed>().Which;
        failure.IsTransient.Should().BeTrue();
        failure.Message.Should().Contain("line 12, which could not be taken: the rejected line could not be recorded in the rejected-lines store (No space left on device)")
            .And.NotContain("cut", "the download was whole; the disk was full");
        (failed.OfferedThrough, failed.SetAsideThrough, failed.SetAside.Count).Should().Be((11L, 0L, 0));
        var again = await ReadOnce(mimecast, file, failed.OfferedThrough, failed.SetAsideThrough, rejected);
        again.SetAside.Should().ContainSingle().Which.Line.Should().Be(12);
        File.ReadAllLines(rejected.PathFor("acme")).Should().ContainSingle().Which.Should().Contain("\"line\":12");
    }

    /// <summary>Line 12 is invalid JSON and the last whole line before the gzip stream ends: no event follows it in any read.</summary>
    private static Task<MimecastHarness> StartWithBadLineBeforeTheCut() =>
        MimecastHarness.StartAsync(MimecastHarness.Acme(c => c with
        {
            EventTypes = ["receipt"],
            BacklogFiles = 1,
            Files = [new BatchFileShape { Type = "receipt", Index = 0, InvalidJsonLine = 11, TruncateAtLine = 12 }],
        }));

    /// <summary>One read of the file, its chunks accepted as they come.</summary>
    private async Task<FileForwarded> ReadOnce(MimecastHarness mimecast, BatchFileRef file, long offered, long setAside, IRejectedLineStore rejected)
    {
        using var gate = new SemaphoreSlim(1);
        var forwarder = CreateTestProbe();
        var reading = FileForwarding.RunAsync("acme", "receipt", file, 0, offered, setAside, mimecast.Reader, _intake.Client, forwarder.Ref,
            rejected, gate, TimeProvider.System, CancellationToken.None);
        while (!reading.IsCompleted)
        {
            if (forwarder.HasMessages)
            {
                forwarder.Reply(new Accepted(forwarder.ExpectMsg<Offer>().Origin));
            }
            else
            {
                await Task.Delay(10);
            }
        }

        return await reading;
    }

    /// <summary>The disk is full for the first record, then has room again.</summary>
    private sealed class DiskFullOnce(IRejectedLineStore inner) : IRejectedLineStore
    {
        private bool _failed;

        public void Append(RejectedRecord record)
        {
            if (!_failed)
            {
                _failed = true;
                throw new IOException("No space left on device");
            }

            inner.Append(record);
        }
    }
}
