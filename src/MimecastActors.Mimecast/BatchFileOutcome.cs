namespace MimecastActors.Mimecast;

/// <summary>How reading one batch file ended. <c>LinesRead</c> counts lines handled (skipped ones included): pass it back as the lines to skip to resume.</summary>
public abstract record BatchFileOutcome(BatchFileRef File, long LinesRead);

public sealed record FileRead(BatchFileRef File, long LinesRead, long Events, long Rejected, long CompressedBytes, long DecompressedBytes)
    : BatchFileOutcome(File, LinesRead);

/// <summary>403 from the store: the pre-signed URL expired. Re-list the page (same `nextPage`) for a fresh URL; never skip the file.</summary>
public sealed record FileExpired(BatchFileRef File, string Message) : BatchFileOutcome(File, 0);

/// <summary>The gzip stream ended early or is corrupt: the lines before <c>LinesRead</c> were handed on, the rest could not be read.</summary>
public sealed record FileTruncated(BatchFileRef File, long LinesRead, long CompressedBytes, string Reason) : BatchFileOutcome(File, LinesRead);

public sealed record FileFailed(BatchFileRef File, long LinesRead, int? Status, string Message, bool IsTransient) : BatchFileOutcome(File, LinesRead);
