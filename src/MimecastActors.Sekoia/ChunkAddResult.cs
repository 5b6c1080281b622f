namespace MimecastActors.Sekoia;

/// <summary>What <see cref="IntakeChunkBuilder.TryAdd"/> did with an event; the rejections are for the caller to record, never to drop.</summary>
public enum ChunkAddResult
{
    /// <summary>The event is in the chunk.</summary>
    Added,

    /// <summary>The event would push the chunk over its body size or event count: seal the chunk, then add the event to the next one.</summary>
    ChunkFull,

    /// <summary>The event is longer than <see cref="IntakeLimits.MaxEventCharacters"/> characters: the platform would refuse it.</summary>
    RejectedTooLong,

    /// <summary>Even alone in a chunk the encoded event exceeds the body limit (only possible with a body limit below ~1.5 MB).</summary>
    RejectedTooLarge,

    /// <summary>The event is not valid UTF-8: sending it would replace bytes, so it would not be the original.</summary>
    RejectedInvalidUtf8,
}
