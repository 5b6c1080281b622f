using System.Globalization;
using System.Text.Json;

using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace MimecastActors.Simulator.Mimecast;

/// <summary>The Mimecast API 2.0 routes: token, SIEM batch listing, and the pre-signed blob store.</summary>
public static class MimecastEndpoints
{
    private const int MaxPageSize = 100;

    public static void MapMimecast(this IEndpointRouteBuilder app, MimecastSimulator mimecast)
    {
        app.MapPost("/oauth/token", (HttpContext http) => Token(http, mimecast));
        app.MapGet("/siem/v1/batch/events/cg", (HttpContext http) => ListBatches(http, mimecast));
        app.MapGet("/siem/v1/batch/events/ci", (HttpContext http) => ListBatches(http, mimecast));
        app.MapGet("/s3/{client}/{slug}/{file}", (HttpContext http, string client, string slug, string file) => Blob(http, mimecast, client, slug, file));
    }

    private static async Task Token(HttpContext http, MimecastSimulator mimecast)
    {
        if (!http.Request.HasFormContentType)
        {
            await Fail(http, 400, "invalid_request", "Content-Type must be application/x-www-form-urlencoded");
            return;
        }

        var form = await http.Request.ReadFormAsync(http.RequestAborted);
        if (form["grant_type"] != "client_credentials")
        {
            await Fail(http, 400, "unsupported_grant_type", "grant_type must be client_credentials");
            return;
        }

        var clientId = form["client_id"].ToString();
        if (mimecast.TryGetClient(clientId, out var client))
        {
            if (client.Quirks.TokenDelay > TimeSpan.Zero)
            {
                await Task.Delay(client.Quirks.TokenDelay, mimecast.Time, http.RequestAborted);
            }

            if (client.Quirks.TokenBody is { } body)
            {
                http.Response.ContentType = "application/json";
                await http.Response.WriteAsync(body, http.RequestAborted);
                return;
            }

            var budget = client.TryTokenRequest(mimecast.Time.GetUtcNow());
            if (!budget.Allowed)
            {
                WriteRateHeaders(http, budget);
                await Fail(http, 429, "rate_limit_exceeded", "Too many token requests");
                return;
            }
        }

        if (mimecast.IssueToken(clientId, form["client_secret"].ToString()) is not { } issued)
        {
            await Fail(http, 401, "InvalidClientIdentifier", "Client credentials are invalid");
            return;
        }

        var ttl = (int)(issued.Issued.ExpiresAt - mimecast.Time.GetUtcNow()).TotalSeconds;
        await HttpJson.Write(http, 200, w =>
        {
            w.WriteString("access_token", issued.Token);
            w.WriteString("token_type", "Bearer");
            w.WriteNumber("expires_in", ttl);
            w.WriteString("scope", "");
        });
    }

    private static async Task ListBatches(HttpContext http, MimecastSimulator mimecast)
    {
        var refusal = mimecast.Authenticate(http.Request.Headers.Authorization, out var client);
        switch (refusal)
        {
            case TokenRefusal.Missing or TokenRefusal.Unknown:
                await Fail(http, 401, "unauthorized", "Unauthorized");
                return;
            case TokenRefusal.Expired:
                // The client is known from its old token: the refused call shows in its log, without spending budget.
                LogCall(await Fail(http, 401, "token_expired", "Access Token Expired"));
                return;
        }

        if (client!.Quirks.Forbidden)
        {
            LogCall(await Fail(http, 403, "app_forbidden", "Forbidden to perform the requested operation"));
            return;
        }

        if (!client.FirstListingAnswered && client.Quirks.FirstListingDelay > TimeSpan.Zero)
        {
            await Task.Delay(client.Quirks.FirstListingDelay, mimecast.Time, http.RequestAborted);
            client.FirstListingAnswered = true;
        }

        var now = mimecast.Time.GetUtcNow();
        var query = http.Request.Query;
        var budget = client.TrySiemCall(now);
        WriteRateHeaders(http, budget);
        LogCall(await Answer());

        void LogCall(int status) => client!.Log(new SiemCall(
            mimecast.Time.GetUtcNow(), http.Request.Query["type"].ToString(), http.Request.Query["nextPage"].FirstOrDefault(), status, http.Request.Headers.UserAgent.FirstOrDefault()));

        async Task<int> Answer()
        {
            if (!budget.Allowed)
            {
                if (client.Scenario.RateLimit.SendRetryAfter)
                {
                    http.Response.Headers.RetryAfter = ((int)Math.Ceiling(budget.Reset.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
                }

                return await Fail(http, 429, "rate_limit_exceeded", "Rate limit exceeded");
            }

            if (http.Request.Headers.AcceptEncoding.ToString().Contains("zstd", StringComparison.OrdinalIgnoreCase))
            {
                // Observed by Sekoia against the real API.
                return await Fail(http, 500, "internal-error", "An unexpected error occurred while processing the batch request");
            }

            var types = query["type"].ToString().Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
            if (types.Length == 0)
            {
                return await Error(http, 400, "validation_error", "type is required");
            }

            if (types.FirstOrDefault(t => !SiemEventTypes.All.Contains(t)) is { } unknownType)
            {
                return await Error(http, 400, "validation_error", $"type '{unknownType}' is not a valid event type");
            }

            var pageSize = MaxPageSize;
            if (query.ContainsKey("pageSize") && (!int.TryParse(query["pageSize"], out pageSize) || pageSize is < 1 or > MaxPageSize))
            {
                return await Fail(http, 400, "validation_error", $"pageSize must be between 1 and {MaxPageSize}");
            }

            if (!TryDate(query["dateRangeStartsAt"], out var startsAt) || !TryDate(query["dateRangeEndsAt"], out var endsAt))
            {
                return await Error(http, 400, "validation_error", "dateRangeStartsAt and dateRangeEndsAt must be dates in the format YYYY-MM-DD");
            }

            var retentionStart = now - MimecastSimulator.Retention;
            if (startsAt is { } s && s < new DateTimeOffset(retentionStart.UtcDateTime.Date, TimeSpan.Zero))
            {
                return await Error(http, 400, "validation_error", "dateRangeStartsAt must be within the last 7 days");
            }

            if (startsAt is { } s2 && endsAt is { } e2 && e2 < s2)
            {
                return await Error(http, 400, "validation_error", "dateRangeEndsAt must not be before dateRangeStartsAt");
            }

            var schedules = types.Select(t => client.Schedules.GetValueOrDefault(t)).ToArray();
            PageCursor cursor;
            if (query["nextPage"].FirstOrDefault() is { Length: > 0 } token)
            {
                if (!PageCursor.TryDecode(token, out cursor) || cursor.ClientId != client.ClientId || !cursor.Types.SequenceEqual(types))
                {
                    return await Error(http, 400, "validation_error", "nextPage is not a valid token for this request");
                }
            }
            else
            {
                // No token: start again at the beginning of the window (this is how a puller that loses its token duplicates).
                var from = startsAt is { } d && d > retentionStart ? d : retentionStart;
                var positions = schedules.Select(sc => sc?.FirstIndexAtOrAfter(from, now) ?? 0).ToArray();
                cursor = new PageCursor(client.ClientId, types, positions, endsAt?.AddDays(1).ToUnixTimeMilliseconds(), 0);
            }

            if (client.Roll(client.Quirks.ServerErrorProbability))
            {
                return client.Roll(0.5)
                    ? await Fail(http, 500, "internal-error", "An unexpected error occurred while processing the batch request")
                    : await Text(http, 502, "text/html", "<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center></body></html>");
            }

            // Files older than the retention are gone, whatever the token says.
            var current = cursor.Positions.Select((p, i) => Math.Max(p, schedules[i]?.FirstIndexAtOrAfter(retentionStart, now) ?? 0)).ToArray();
            var endsAtTime = cursor.EndsAtMs is { } ms ? DateTimeOffset.FromUnixTimeMilliseconds(ms) : (DateTimeOffset?)null;
            var page = BatchListing.NextPage(schedules, current, pageSize, now, endsAtTime);
            if (page.Files.Count > 0 && client.Roll(client.Quirks.EmptyPageProbability))
            {
                page = new ListedPage([], current, IsCaughtUp: false);
            }

            var next = cursor with { Positions = page.NextPositions, Sequence = cursor.Sequence + 1 };
            var baseUrl = $"{http.Request.Scheme}://{http.Request.Host}";
            var entries = page.Files.Select(f => (File: f, Url: mimecast.PresignedUrl(client, f.Type, f.Index))).ToList();
            if (client.Quirks.DuplicateUrls && entries.Count > 0)
            {
                entries.Insert(1, entries[0]);
            }

            return await HttpJson.Write(http, 200, w =>
            {
                w.WriteStartArray("value");
                foreach (var (file, url) in entries)
                {
                    w.WriteStartObject();
                    w.WriteString("url", baseUrl + url.PathAndQuery);
                    w.WriteString("expiry", url.Expiry.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture));
                    w.WriteNumber("size", mimecast.BatchFile(client, file.Type, file.Index).Length);
                    w.WriteEndObject();
                }

                w.WriteEndArray();
                w.WriteString("@nextPage", next.Encode());
                w.WriteBoolean("isCaughtUp", page.IsCaughtUp);
            });
        }
    }

    private static async Task Blob(HttpContext http, MimecastSimulator mimecast, string clientId, string slug, string file)
    {
        var client = mimecast.TryGetClient(clientId, out var c) ? c : null;
        if (client is not null && client.Quirks.RejectAuthorizationOnBlob && http.Request.Headers.ContainsKey("Authorization"))
        {
            await S3Error(http, 400, "InvalidArgument", "Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter, Signature query string parameter or the Authorization header should be specified");
            return;
        }

        var query = http.Request.Query;
        switch (mimecast.VerifyPresigned(http.Request.Path, query["X-Amz-Date"], query["X-Amz-Expires"], query["X-Amz-Signature"]))
        {
            case BlobAccess.BadSignature:
                await S3Error(http, 403, "SignatureDoesNotMatch", "The request signature we calculated does not match the signature you provided.");
                return;
            case BlobAccess.Expired:
                await S3Error(http, 403, "AccessDenied", "Request has expired");
                return;
        }

        var type = SiemEventTypes.FromSlug(slug);
        if (client is null || !client.Schedules.TryGetValue(type, out var schedule) ||
            !file.EndsWith(".json.gz", StringComparison.Ordinal) || !int.TryParse(file[..^".json.gz".Length], out var index) ||
            index >= schedule.PublishedCount(mimecast.Time.GetUtcNow()) ||
            schedule.Shape(index).Missing)
        {
            await S3Error(http, 404, "NoSuchKey", "The specified key does not exist.");
            return;
        }

        if (client.Roll(client.Quirks.BlobServerErrorProbability))
        {
            if (client.Quirks.BlobServerErrorRetryAfter is { } wait)
            {
                http.Response.Headers.RetryAfter = ((int)Math.Ceiling(wait.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
            }

            await S3Error(http, 500, "InternalError", "We encountered an internal error. Please try again.");
            return;
        }

        var bytes = mimecast.BatchFile(client, type, index);
        http.Response.ContentType = "application/octet-stream";
        http.Response.ContentLength = bytes.Length;
        if (client.Quirks.TakeBlobStall())
        {
            await http.Response.Body.WriteAsync(bytes.AsMemory(0, bytes.Length / 2), http.RequestAborted);
            await http.Response.Body.FlushAsync(http.RequestAborted);
            try
            {
                await Task.Delay(Timeout.Infinite, http.RequestAborted); // until the client gives up
            }
            catch (OperationCanceledException)
            {
            }

            return;
        }

        await http.Response.Body.WriteAsync(bytes, http.RequestAborted);
        client.CountBlob(bytes.Length);
    }

    private static bool TryDate(string? text, out DateTimeOffset? date)
    {
        date = null;
        if (string.IsNullOrEmpty(text))
        {
            return true;
        }

        if (!DateTime.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var d))
        {
            return false;
        }

        date = new DateTimeOffset(d, TimeSpan.Zero);
        return true;
    }

    private static void WriteRateHeaders(HttpContext http, Budget budget)
    {
        http.Response.Headers["X-RateLimit-Limit"] = budget.Limit.ToString(CultureInfo.InvariantCulture);
        http.Response.Headers["X-RateLimit-Remaining"] = budget.Remaining.ToString(CultureInfo.InvariantCulture);
        http.Response.Headers["X-RateLimit-Reset"] = ((long)Math.Ceiling(Math.Max(0, budget.Reset.TotalMilliseconds))).ToString(CultureInfo.InvariantCulture);
    }

    /// <summary>The `{"fail":[{"code","message"}]}` error shape.</summary>
    private static Task<int> Fail(HttpContext http, int status, string code, string message) =>
        HttpJson.Write(http, status, w =>
        {
            w.WriteStartArray("fail");
            w.WriteStartObject();
            w.WriteString("code", code);
            w.WriteString("message", message);
            w.WriteEndObject();
            w.WriteEndArray();
        });

    /// <summary>The `{"error":{"code","message"}}` error shape.</summary>
    private static Task<int> Error(HttpContext http, int status, string code, string message) =>
        HttpJson.Write(http, status, w =>
        {
            w.WriteStartObject("error");
            w.WriteString("code", code);
            w.WriteString("message", message);
            w.WriteEndObject();
        });

    private static Task<int> S3Error(HttpContext http, int status, string code, string message) =>
        Text(http, status, "application/xml",
            $"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>{code}</Code><Message>{message}</Message><RequestId>{Guid.NewGuid():N}</RequestId></Error>");

    private static async Task<int> Text(HttpContext http, int status, string contentType, string body)
    {
        http.Response.StatusCode = status;
        http.Response.ContentType = contentType;
        await http.Response.WriteAsync(body, http.RequestAborted);
        return status;
    }
}
