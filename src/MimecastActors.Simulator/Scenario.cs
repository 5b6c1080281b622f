namespace MimecastActors.Simulator;

/// <summary>
/// Everything the simulator serves: Mimecast clients (tenants) with their published data and quirks, and the
/// intake keys it accepts. Read from JSON by the executable, built in code by tests. Deterministic for a seed.
/// </summary>
public sealed record Scenario
{
    public int Seed { get; init; } = 1;

    /// <summary>Port on 127.0.0.1; 0 picks a free one.</summary>
    public int Port { get; init; }

    public IReadOnlyList<ClientScenario> Clients { get; init; } = [];

    public IReadOnlyList<string> IntakeKeys { get; init; } = [];

    public IntakeScenario Intake { get; init; } = new();

    /// <summary>Upper bound on the memory that generated batch files may hold (they are generated once, served many times).</summary>
    public long BlobCacheBytes { get; init; } = 512L * 1024 * 1024;
}

/// <summary>One Mimecast API application (a tenant): its credentials, what it publishes and how its API misbehaves.</summary>
public sealed record ClientScenario
{
    public required string ClientId { get; init; }

    public required string ClientSecret { get; init; }

    /// <summary>The `accountId` written into generated events.</summary>
    public string AccountId { get; init; } = "C0A0";

    /// <summary>Types this client has a licence for; the others publish nothing.</summary>
    public IReadOnlyList<string> EventTypes { get; init; } = SiemEventTypes.All;

    /// <summary>Files of each type already published when the simulator starts (spaced one <see cref="BacklogSpacing"/> apart).</summary>
    public int BacklogFiles { get; init; } = 10;

    public TimeSpan BacklogSpacing { get; init; } = TimeSpan.FromMinutes(1);

    public int EventsPerFile { get; init; } = 100;

    /// <summary>Every interval, <see cref="FilesPerInterval"/> new files of each type appear. Zero: backlog only.</summary>
    public TimeSpan PublishInterval { get; init; } = TimeSpan.Zero;

    public int FilesPerInterval { get; init; } = 1;

    /// <summary>Event timestamps lag their file's publish time by up to this much, in no order.</summary>
    public TimeSpan MaxEventLag { get; init; } = TimeSpan.FromMinutes(20);

    public TimeSpan TokenTtl { get; init; } = TimeSpan.FromSeconds(1799);

    /// <summary>Budget of the SIEM batch endpoint.</summary>
    public RateLimitScenario RateLimit { get; init; } = new();

    /// <summary>Optional budget of the token endpoint (it is rate limited too in the real API).</summary>
    public RateLimitScenario? TokenRateLimit { get; init; }

    /// <summary>Individual files with a different size or a defect.</summary>
    public IReadOnlyList<BatchFileShape> Files { get; init; } = [];

    public MimecastQuirks Quirks { get; init; } = new();
}

public sealed record RateLimitScenario
{
    public int Calls { get; init; } = 50;

    public TimeSpan Window { get; init; } = TimeSpan.FromMinutes(15);

    /// <summary>Send `Retry-After` (whole seconds) with a 429, as well as `X-RateLimit-Reset`.</summary>
    public bool SendRetryAfter { get; init; }
}

/// <summary>A file that differs from the default: its event count, or one of the defects seen in real data.</summary>
public sealed record BatchFileShape
{
    public required string Type { get; init; }

    /// <summary>Position of the file in the type's sequence (0 = first backlog file).</summary>
    public required int Index { get; init; }

    public int? Events { get; init; }

    /// <summary>The gzip stream ends in the middle of this line: earlier lines decode, the rest is lost.</summary>
    public int? TruncateAtLine { get; init; }

    public int? InvalidJsonLine { get; init; }

    public int? InvalidUtf8Line { get; init; }

    /// <summary>This line is valid JSON but longer than the intake accepts (250,000 characters).</summary>
    public int? OversizeLine { get; init; }

    /// <summary>The listing names this file but S3 answers 404 NoSuchKey for it, on every listing (deleted at the source).</summary>
    public bool Missing { get; init; }

    /// <summary>
    /// The file is this many gzip members one after the other, each with lines of its own: valid gzip, as writers
    /// that start a member per flush produce. A reader must read every member and not take the file as truncated.
    /// </summary>
    public int? Members { get; init; }
}

/// <summary>
/// Misbehaviours of the real API, each off by default except those every real response shows.
/// Mutable so that a test can turn one on while a puller runs.
/// </summary>
public sealed class MimecastQuirks
{
    /// <summary>Repeat the first URL of every non-empty page (Rapid7 saw the real API do this).</summary>
    public bool DuplicateUrls { get; set; }

    /// <summary>Chance that a page which has files to give answers empty with `isCaughtUp:false` instead.</summary>
    public double EmptyPageProbability { get; set; }

    /// <summary>Chance that a listing call fails with a 5xx (JSON or gateway HTML body).</summary>
    public double ServerErrorProbability { get; set; }

    /// <summary>Chance that a blob download fails with a 500 S3 error.</summary>
    public double BlobServerErrorProbability { get; set; }

    /// <summary>Sent as `Retry-After` (whole seconds) with those 500s.</summary>
    public TimeSpan? BlobServerErrorRetryAfter { get; set; }

    /// <summary>How long a listed URL stays valid.</summary>
    public TimeSpan UrlTtl { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>S3 answers 400 when a pre-signed request also carries an Authorization header.</summary>
    public bool RejectAuthorizationOnBlob { get; set; } = true;

    /// <summary>
    /// How long the client's first round of listing calls (those that come before the first is answered) waits
    /// before the API counts it against the budget, as a node's first round after a start waits for its token and
    /// connections: a puller that counts those calls from when it journaled them, and the later fast ones likewise,
    /// goes over the budget at the API.
    /// </summary>
    public TimeSpan FirstListingDelay { get; set; }

    /// <summary>How long the token endpoint takes to answer (a slow identity provider: a client's timeout must end the wait).</summary>
    public TimeSpan TokenDelay { get; set; }

    /// <summary>The application lacks the SIEM permission: tokens are issued, API calls get 403 `app_forbidden`.</summary>
    public bool Forbidden { get; set; }

    /// <summary>The token endpoint answers 200 with this body instead of a token: a proxy or gateway in the way.</summary>
    public string? TokenBody { get; set; }

    private int _blobStalls;

    /// <summary>
    /// The next this many blob downloads send half their body and then nothing, without closing: a connection gone
    /// half-open (an idle NAT or load-balancer drop) looks like this to the client, which must not wait for ever.
    /// </summary>
    public int BlobStalls { get => _blobStalls; set => _blobStalls = value; }

    /// <summary>Whether this download stalls (one of <see cref="BlobStalls"/> is used up).</summary>
    internal bool TakeBlobStall()
    {
        int left;
        do
        {
            left = _blobStalls;
            if (left <= 0)
            {
                return false;
            }
        }
        while (Interlocked.CompareExchange(ref _blobStalls, left - 1, left) != left);

        return true;
    }
}

public sealed record IntakeScenario
{
    /// <summary>Bodies above this many bytes (after gzip decoding) get 413.</summary>
    public long MaxBodyBytes { get; init; } = 10L * 1024 * 1024;

    /// <summary>Added to every intake response.</summary>
    public TimeSpan Latency { get; init; }

    /// <summary>Outages relative to the simulator's start.</summary>
    public IReadOnlyList<IntakeOutage> Outages { get; init; } = [];
}

/// <summary>From <see cref="StartsAfter"/> for <see cref="Duration"/>, every intake request gets <see cref="Status"/> (503 or 429).</summary>
public sealed record IntakeOutage
{
    public TimeSpan StartsAfter { get; init; }

    public required TimeSpan Duration { get; init; }

    public int Status { get; init; } = 503;

    public TimeSpan? RetryAfter { get; init; }
}
