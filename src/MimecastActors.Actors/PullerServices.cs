using MimecastActors.Domain;

namespace MimecastActors.Actors;

/// <summary>How a puller paces itself; every figure has a reason in the design.</summary>
/// <param name="SnapshotEvery">Events between snapshots; older events are deleted once a snapshot is saved.</param>
/// <param name="TruncatedFileRetries">Reads of a file that ends early, or listings of one refused for good, before what is left of it is set aside.</param>
public sealed record PullerSettings(int SnapshotEvery, int TruncatedFileRetries, TimeSpan MinBackoff, TimeSpan MaxBackoff, ForwarderSettings Forwarder)
{
    public static readonly PullerSettings Default = new(500, 3, TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(5), ForwarderSettings.Default);

    /// <summary>
    /// How often a tenant added through the admin API asks the registry whether its configuration still stands: the
    /// registry's notice of a change or a removal crosses the network at most once, and a tenant that missed it would
    /// go on with the old settings, or after its removal, for ever.
    /// </summary>
    public TimeSpan ConfirmConfigurationEvery { get; init; } = TimeSpan.FromMinutes(1);

    public TimeSpan Backoff(int failures) => ExponentialBackoff.Delay(MinBackoff, MaxBackoff, failures);
}

/// <summary>What a tenant's puller needs from its node: configuration and the key to its sealed secrets, clients, where to set lines aside, the node-wide read gate.</summary>
/// <param name="ReadGate">Bounds the batch files the node reads at once: each holds a chunk being built, so this bounds the memory, whatever the number of tenants and streams.</param>
public sealed record PullerServices(
    ITenantDirectory Directory,
    SecretBox Secrets,
    MimecastActors.Mimecast.MimecastClientFactory Mimecast,
    MimecastActors.Mimecast.BatchFileReader Reader,
    MimecastActors.Sekoia.SekoiaIntakeClientFactory Intake,
    IRejectedLineStore Rejected,
    SemaphoreSlim ReadGate,
    TimeProvider Time,
    PullerSettings Settings);
