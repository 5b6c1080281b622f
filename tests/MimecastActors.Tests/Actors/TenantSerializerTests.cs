using Akka.Serialization;

using MimecastActors.Actors;
using MimecastActors.Domain;

using static MimecastActors.Tests.Domain.DomainSamples;

namespace MimecastActors.Tests.Actors;

public sealed class TenantSerializerTests() : Akka.TestKit.Xunit2.TestKit(TenantSerializer.Hocon)
{
    /// <summary>One sample of every persisted type and every message that crosses the cluster, with every field set.</summary>
    public static TheoryData<object> Samples()
    {
        var state = Configured().ApplyAll(
            new TenantEvents.CallsSpent(2, T0),
            new TenantEvents.CallsAnswered(1, T0, T0.AddSeconds(3)),
            new TenantEvents.RateLimited(T0.AddSeconds(30), T0),
            new TenantEvents.FileProgressed("receipt", "https://s3/x/1.json.gz", 500, T0.AddMinutes(-3), T0),
            new TenantEvents.FileCompleted("receipt", "https://s3/x/2.json.gz", T0.AddMinutes(-2), T0),
            new TenantEvents.PageCompleted("process", "token==", true, T0),
            new TenantEvents.Paused("the intake refused the key", T0));
        return new TheoryData<object>
        {
            new TenantEvents.Configured(Settings(StreamDefinition.Plan(["url protect", "journal"], grouped: true)), T0),
            new TenantEvents.CallsSpent(2, T0),
            new TenantEvents.CallsAnswered(1, T0, T0.AddMilliseconds(2_500)),
            new TenantEvents.RateLimited(T0.AddMilliseconds(12_345), T0),
            new TenantEvents.FileProgressed("receipt", "https://s3/x/1.json.gz", 500, T0.AddMinutes(-3), T0),
            new TenantEvents.FileCompleted("receipt", "https://s3/x/1.json.gz", null, T0),
            new TenantEvents.PageCompleted("receipt", "eyJ0IjoxfQ==", false, T0, T0.AddMinutes(-1)),
            new TenantEvents.Paused("Mimecast rejected the client credentials of client id x", T0),
            new TenantEvents.Resumed(T0),
            new TenantEvents.StreamReplayed("receipt", new DateOnly(2026, 11, 25), T0),
            state,
            new TenantProtocol.Start("acme"),
            new TenantProtocol.GetStatus("acme"),
            new TenantProtocol.Status("acme", true, null, 48, T0, [new TenantProtocol.StreamStatus("receipt", "abc==", false, true, T0, 3, T0)], 1_000, 2, "intake 503", "akka.tcp://mimecast-actors@10.0.0.1:4053", 50,
                [new TenantProtocol.RejectedLine("receipt", "https://s3/x/1.json.gz", 12, "InvalidJson", "not valid JSON at byte 3", T0)]),
            new TenantProtocol.PauseTenant("acme", "maintenance"),
            new TenantProtocol.ResumeTenant("acme"),
            new TenantProtocol.ReplayTenant("acme", new DateOnly(2026, 11, 25), "receipt"),
            new TenantProtocol.ConfigurationChanged("acme"),
            new TenantRegistryEvents.TenantRegistered(Registered, T0),
            new TenantRegistryEvents.TenantUnregistered("acme", T0),
            new TenantRegistryProtocol.Register(Registered, IsNew: true),
            new TenantRegistryProtocol.Unregister("acme"),
            new TenantRegistryProtocol.FindTenant("acme"),
            new TenantRegistryProtocol.Found("acme", Registered),
            new TenantRegistryProtocol.ListTenants(),
            new TenantRegistryProtocol.Listing([Registered]),
            new TenantRegistryProtocol.Done("acme"),
            new TenantRegistryProtocol.Refused("acme", RegistryRefusal.AlreadyRegistered),
        };
    }

    private static RegisteredTenant Registered => new(Settings(StreamDefinition.Plan(["receipt"], grouped: false)), "v1:c2VhbGVk", "v1:a2V5");

    [Theory]
    [MemberData(nameof(Samples))]
    public void Every_persisted_type_round_trips_through_our_serializer(object sample)
    {
        var serializer = Sys.Serialization.FindSerializerFor(sample);
        serializer.Should().BeOfType<TenantSerializer>();

        var manifest = Akka.Serialization.Serialization.ManifestFor(serializer, sample);
        var copy = Sys.Serialization.Deserialize(serializer.ToBinary(sample), serializer.Identifier, manifest);

        copy.Should().BeOfType(sample.GetType());
        if (sample.GetType().GetProperties().Length > 0) // a message without fields (ListTenants) has nothing more to compare
        {
            copy.Should().BeEquivalentTo(sample, o => o.RespectingRuntimeTypes().ComparingRecordsByMembers().ComparingByMembers<StreamDefinition>());
        }

        Canonical(copy).Should().Be(Canonical(sample));
    }

    [Theory]
    [MemberData(nameof(Samples))]
    public void Every_type_is_written_as_the_reflection_based_serializer_wrote_it(object sample)
    {
        // Journals written before the metadata was generated at compile time must read the same, and newer ones by older nodes.
        var serializer = Sys.Serialization.FindSerializerFor(sample);

        System.Text.Encoding.UTF8.GetString(serializer.ToBinary(sample))
            .Should().Be(System.Text.Json.JsonSerializer.Serialize(sample, sample.GetType(), ReflectionBased));
    }

    [Fact]
    public void A_page_completion_journaled_before_it_carried_the_newest_event_still_reads()
    {
        var serializer = Sys.Serialization.FindSerializerFor(new TenantEvents.Resumed(T0));
        var older = """{"stream":"receipt","nextPage":"abc==","caughtUp":true,"at":"2026-11-28T10:00:00+00:00"}"""u8.ToArray();

        var read = (TenantEvents.PageCompleted)Sys.Serialization.Deserialize(older, serializer.Identifier, "page-completed.v1");

        read.Should().Be(new TenantEvents.PageCompleted("receipt", "abc==", true, new DateTimeOffset(2026, 11, 28, 10, 0, 0, TimeSpan.Zero)));
        read.NewestEventAt.Should().BeNull();
    }

    [Fact]
    public void Every_event_type_of_the_domain_has_a_manifest_and_a_sample()
    {
        var events = typeof(ITenantEvent).Assembly.GetTypes()
            .Where(t => (typeof(ITenantEvent).IsAssignableFrom(t) || typeof(ITenantRegistryEvent).IsAssignableFrom(t)) && !t.IsInterface).ToList();

        TenantSerializer.KnownTypes.Keys.Should().Contain(events).And.Contain(typeof(TenantState));
        ((IEnumerable<object[]>)Samples()).Select(row => row[0].GetType()).Should().BeEquivalentTo(TenantSerializer.KnownTypes.Keys);
        TenantSerializer.KnownTypes.Values.Should().OnlyHaveUniqueItems();
    }

    [Fact]
    public void An_unknown_manifest_is_a_clear_error()
    {
        var serializer = (SerializerWithStringManifest)Sys.Serialization.FindSerializerForType(typeof(TenantState));

        var read = () => serializer.FromBinary("{}"u8.ToArray(), "from-the-future.v9");

        read.Should().Throw<System.Runtime.Serialization.SerializationException>().WithMessage("*from-the-future.v9*newer version*");
    }

    /// <summary>How <see cref="TenantSerializer"/> wrote every type before its metadata was generated at compile time.</summary>
    private static readonly System.Text.Json.JsonSerializerOptions ReflectionBased = new(System.Text.Json.JsonSerializerDefaults.Web)
    {
        TypeInfoResolver = new System.Text.Json.Serialization.Metadata.DefaultJsonTypeInfoResolver(),
    };

    private static string Canonical(object o) => System.Text.Json.JsonSerializer.Serialize(o, o.GetType());
}
