using System.Collections.Frozen;
using System.Runtime.Serialization;
using System.Text.Json;
using System.Text.Json.Serialization;

using Akka.Actor;
using Akka.Serialization;

using MimecastActors.Domain;

namespace MimecastActors.Actors;

/// <summary>
/// Writes what a tenant persists (its events and snapshots) and the tenant messages that cross the cluster as System.Text.Json under short manifests that
/// never change, so that renaming or moving a type cannot break recovery (Akka's default writes assembly-qualified
/// type names). A type without a manifest here fails loudly at its first write, and a test checks them all.
/// </summary>
public sealed class TenantSerializer(ExtendedActorSystem system) : SerializerWithStringManifest(system)
{
    /// <summary>Bound to these in HOCON (see <see cref="Hocon"/>), or through Akka.Hosting (see <see cref="BoundTypes"/>).</summary>
    public const string Name = "mimecast-tenant";

    /// <summary>
    /// The contract of the reflection-based defaults for the web, with the metadata generated at compile time: reading
    /// the types by reflection and emitting their accessors was a quarter of the journal's first use at start-up.
    /// </summary>
    private static readonly JsonSerializerOptions Json = TenantJson.Default.Options;

    private static readonly FrozenDictionary<Type, string> Manifests = new Dictionary<Type, string>
    {
        [typeof(TenantEvents.Configured)] = "configured.v1",
        [typeof(TenantEvents.CallsSpent)] = "calls-spent.v1",
        [typeof(TenantEvents.CallsAnswered)] = "calls-answered.v1",
        [typeof(TenantEvents.RateLimited)] = "rate-limited.v1",
        [typeof(TenantEvents.FileProgressed)] = "file-progressed.v1",
        [typeof(TenantEvents.FileCompleted)] = "file-completed.v1",
        [typeof(TenantEvents.PageCompleted)] = "page-completed.v1",
        [typeof(TenantEvents.Paused)] = "paused.v1",
        [typeof(TenantEvents.Resumed)] = "resumed.v1",
        [typeof(TenantEvents.StreamReplayed)] = "stream-replayed.v1",
        [typeof(TenantState)] = "tenant-snapshot.v1",
        [typeof(TenantRegistryEvents.TenantRegistered)] = "tenant-registered.v1",
        [typeof(TenantRegistryEvents.TenantUnregistered)] = "tenant-unregistered.v1",

        // Messages that cross the cluster (sharding envelopes carry them between nodes).
        [typeof(TenantProtocol.Start)] = "start.v1",
        [typeof(TenantProtocol.GetStatus)] = "get-status.v1",
        [typeof(TenantProtocol.Status)] = "status.v1",
        [typeof(TenantProtocol.PauseTenant)] = "pause.v1",
        [typeof(TenantProtocol.ResumeTenant)] = "resume.v1",
        [typeof(TenantProtocol.ReplayTenant)] = "replay.v1",
        [typeof(TenantProtocol.ConfigurationChanged)] = "configuration-changed.v1",
        [typeof(TenantRegistryProtocol.Register)] = "registry-register.v1",
        [typeof(TenantRegistryProtocol.Unregister)] = "registry-unregister.v1",
        [typeof(TenantRegistryProtocol.FindTenant)] = "registry-find.v1",
        [typeof(TenantRegistryProtocol.Found)] = "registry-found.v1",
        [typeof(TenantRegistryProtocol.ListTenants)] = "registry-list.v1",
        [typeof(TenantRegistryProtocol.Listing)] = "registry-listing.v1",
        [typeof(TenantRegistryProtocol.Done)] = "registry-done.v1",
        [typeof(TenantRegistryProtocol.Refused)] = "registry-refused.v1",
    }.ToFrozenDictionary();

    private static readonly FrozenDictionary<string, Type> Types = Manifests.ToFrozenDictionary(kv => kv.Value, kv => kv.Key);

    /// <summary>The marker types the serializer is bound to.</summary>
    public static readonly Type[] BoundTypes =
        [typeof(ITenantEvent), typeof(TenantState), typeof(ITenantMessage), typeof(TenantProtocol.Status), typeof(ITenantRegistryEvent), typeof(ITenantRegistryMessage)];

    /// <summary>The serializer and its bindings, for the node's configuration.</summary>
    public static string Hocon => $$"""
        akka.actor {
          serializers.{{Name}} = "{{typeof(TenantSerializer).AssemblyQualifiedName}}"
          serialization-bindings {
            "{{typeof(ITenantEvent).AssemblyQualifiedName}}" = {{Name}}
            "{{typeof(TenantState).AssemblyQualifiedName}}" = {{Name}}
            "{{typeof(ITenantMessage).AssemblyQualifiedName}}" = {{Name}}
            "{{typeof(TenantProtocol.Status).AssemblyQualifiedName}}" = {{Name}}
            "{{typeof(ITenantRegistryEvent).AssemblyQualifiedName}}" = {{Name}}
            "{{typeof(ITenantRegistryMessage).AssemblyQualifiedName}}" = {{Name}}
          }
        }
        """;

    /// <summary>Above 100, the range Akka keeps for itself; never reuse it for something else.</summary>
    public const int IdentifierValue = 4201;

    public override int Identifier => IdentifierValue;

    /// <summary>Every type this serializer writes, with its manifest (for tests and documentation).</summary>
    public static IReadOnlyDictionary<Type, string> KnownTypes => Manifests;

    public override string Manifest(object o) =>
        Manifests.TryGetValue(o.GetType(), out var manifest)
            ? manifest
            : throw new SerializationException($"{o.GetType().FullName} has no manifest in {nameof(TenantSerializer)}; add one before persisting it.");

    public override byte[] ToBinary(object obj) => JsonSerializer.SerializeToUtf8Bytes(obj, obj.GetType(), Json);

    public override object FromBinary(byte[] bytes, string manifest) =>
        Types.TryGetValue(manifest, out var type)
            ? JsonSerializer.Deserialize(bytes, type, Json) ?? throw new SerializationException($"A `{manifest}` record is empty.")
            : throw new SerializationException($"Unknown manifest `{manifest}`: written by a newer version of MimecastActors?");
}

/// <summary>Compile-time JSON metadata of every type <see cref="TenantSerializer"/> writes (a test checks that none is missing).</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(TenantEvents.Configured))]
[JsonSerializable(typeof(TenantEvents.CallsSpent))]
[JsonSerializable(typeof(TenantEvents.CallsAnswered))]
[JsonSerializable(typeof(TenantEvents.RateLimited))]
[JsonSerializable(typeof(TenantEvents.FileProgressed))]
[JsonSerializable(typeof(TenantEvents.FileCompleted))]
[JsonSerializable(typeof(TenantEvents.PageCompleted))]
[JsonSerializable(typeof(TenantEvents.Paused))]
[JsonSerializable(typeof(TenantEvents.Resumed))]
[JsonSerializable(typeof(TenantEvents.StreamReplayed))]
[JsonSerializable(typeof(TenantState))]
[JsonSerializable(typeof(TenantRegistryEvents.TenantRegistered))]
[JsonSerializable(typeof(TenantRegistryEvents.TenantUnregistered))]
[JsonSerializable(typeof(TenantProtocol.Start))]
[JsonSerializable(typeof(TenantProtocol.GetStatus))]
[JsonSerializable(typeof(TenantProtocol.Status))]
[JsonSerializable(typeof(TenantProtocol.PauseTenant))]
[JsonSerializable(typeof(TenantProtocol.ResumeTenant))]
[JsonSerializable(typeof(TenantProtocol.ReplayTenant))]
[JsonSerializable(typeof(TenantProtocol.ConfigurationChanged))]
[JsonSerializable(typeof(TenantRegistryProtocol.Register))]
[JsonSerializable(typeof(TenantRegistryProtocol.Unregister))]
[JsonSerializable(typeof(TenantRegistryProtocol.FindTenant))]
[JsonSerializable(typeof(TenantRegistryProtocol.Found))]
[JsonSerializable(typeof(TenantRegistryProtocol.ListTenants))]
[JsonSerializable(typeof(TenantRegistryProtocol.Listing))]
[JsonSerializable(typeof(TenantRegistryProtocol.Done))]
[JsonSerializable(typeof(TenantRegistryProtocol.Refused))]
internal sealed partial class TenantJson : JsonSerializerContext;
