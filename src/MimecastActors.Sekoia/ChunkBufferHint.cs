namespace MimecastActors.Sekoia;

/// <summary>
/// How large the last sealed chunk's buffer had to grow, shared by the builders of one intake: a builder is made per
/// batch file, and starting each at 64 KiB made every chunk copy itself through seven doublings on the way to
/// megabytes. Thread-safe; a stale value only costs a doubling or a little slack.
/// </summary>
public sealed class ChunkBufferHint
{
    private int _bytes;

    /// <summary>The buffer size to start a chunk with; 0 until a chunk was sealed.</summary>
    public int Bytes => Volatile.Read(ref _bytes);

    internal void Sealed(int bufferBytes) => Volatile.Write(ref _bytes, bufferBytes);
}
