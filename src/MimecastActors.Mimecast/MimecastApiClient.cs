using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;

using Microsoft.Extensions.Logging;

using Polly.Timeout;

namespace MimecastActors.Mimecast;

/// <summary>
/// One tenant's view of the Mimecast API 2.0: its OAuth token and the SIEM batch listing. It never retries a
/// listing behind the caller's back (the budget is the caller's to spend), except once after a refused token,
/// which <see cref="ListingOutcome.Calls"/> reports.
/// </summary>
public sealed partial class MimecastApiClient
{
    private readonly MimecastCredentials _credentials;
    private readonly IHttpClientFactory _http;
    private readonly MimecastClientOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _log;
    private readonly AccessTokenCache _tokens;

    public MimecastApiClient(MimecastCredentials credentials, IHttpClientFactory http, MimecastClientOptions options, TimeProvider time, ILogger<MimecastApiClient> log)
    {
        _credentials = credentials with { BaseUrl = WithTrailingSlash(credentials.BaseUrl) };
        _http = http;
        _options = options;
        _time = time;
        _log = log;
        _tokens = new AccessTokenCache(FetchTokenAsync, time, options.TokenRefreshAhead);
    }

    public string ClientId => _credentials.ClientId;

    /// <summary>A valid token, from the cache or freshly fetched; throws <see cref="MimecastTokenException"/> with a typed failure.</summary>
    public Task<AccessToken> GetTokenAsync(CancellationToken cancel) => _tokens.GetAsync(cancel);

    public async Task<ListingOutcome> ListAsync(BatchQuery query, CancellationToken cancel)
    {
        var calls = 0;
        var rate = RateLimitStatus.Unknown;
        var refreshed = false;
        while (true)
        {
            AccessToken token;
            try
            {
                token = await _tokens.GetAsync(cancel);
            }
            catch (MimecastTokenException e)
            {
                return e.Wait is { } wait ? new RateLimited(wait, rate, calls) : new ListingFailed(e.Failure, rate, calls);
            }

            calls++;
            HttpResponseMessage response;
            try
            {
                response = await SendListingAsync(query, token, cancel);
            }
            catch (Exception e) when (IsTransport(e, cancel))
            {
                return new ListingFailed(new MimecastFailure(MimecastFailureKind.Transport, $"Mimecast listing at {_credentials.BaseUrl} got no answer: {e.Message}"), rate, calls);
            }

            using (response)
            {
                try
                {
                    rate = RateLimitStatus.From(response.Headers);
                    if (response.StatusCode == HttpStatusCode.Unauthorized && !refreshed)
                    {
                        // The token expired or was revoked early: discard it, fetch a new one, try once more.
                        LogTokenRefused(_log, _credentials.ClientId);
                        _tokens.Invalidate(token);
                        refreshed = true;
                        continue;
                    }

                    return await InterpretAsync(response, rate, calls, cancel);
                }
                catch (Exception e) when (!cancel.IsCancellationRequested)
                {
                    // An answer no rule above foresaw (a charset .NET cannot decode, say): a clear failure that still
                    // counts every call sent, not an exception the caller can only count as one call.
                    return new ListingFailed(new MimecastFailure(MimecastFailureKind.MalformedResponse,
                        $"Mimecast listing answered {(int)response.StatusCode} in a way that could not be read: {e.Message}", (int)response.StatusCode), rate, calls);
                }
            }
        }
    }

    private async Task<HttpResponseMessage> SendListingAsync(BatchQuery query, AccessToken token, CancellationToken cancel)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(_credentials.BaseUrl, ListingPath(query)));
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token.Value);
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        return await _http.CreateClient(MimecastHttpClients.Api).SendAsync(request, cancel);
    }

    /// <summary>The listing path and query; the type list is form-encoded ("url protect" → "url+protect").</summary>
    public static string ListingPath(BatchQuery query)
    {
        var parts = new List<string>
        {
            "type=" + WebUtility.UrlEncode(string.Join(',', query.Types)),
            "pageSize=" + query.PageSize.ToString(CultureInfo.InvariantCulture),
        };
        if (!string.IsNullOrEmpty(query.NextPage))
        {
            parts.Add("nextPage=" + WebUtility.UrlEncode(query.NextPage));
        }

        if (query.StartsAt is { } start)
        {
            parts.Add("dateRangeStartsAt=" + start.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
        }

        if (query.EndsAt is { } end)
        {
            parts.Add("dateRangeEndsAt=" + end.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
        }

        return "siem/v1/batch/events/cg?" + string.Join('&', parts);
    }

    private async Task<ListingOutcome> InterpretAsync(HttpResponseMessage response, RateLimitStatus rate, int calls, CancellationToken cancel)
    {
        var status = (int)response.StatusCode;
        string body;
        try
        {
            body = await response.Content.ReadAsStringAsync(cancel);
        }
        catch (Exception e) when (IsTransport(e, cancel))
        {
            return new ListingFailed(new MimecastFailure(MimecastFailureKind.Transport, $"Mimecast listing answer was cut: {e.Message}", status), rate, calls);
        }

        if (response.IsSuccessStatusCode)
        {
            return BatchPage.TryParse(body, out var page, out var problem)
                ? new PageListed(page, rate, calls)
                : new ListingFailed(new MimecastFailure(MimecastFailureKind.MalformedResponse, $"Mimecast listing answered {status} but {problem}", status), rate, calls);
        }

        if (response.StatusCode == HttpStatusCode.TooManyRequests)
        {
            var wait = RateLimitWait.For(response.Headers.RetryAfter, rate, _time.GetUtcNow(), _options, Random.Shared);
            return new RateLimited(wait, rate, calls);
        }

        var (code, message) = MimecastErrorBody.Parse(body);
        var described = code is null ? message : $"{code}: {message}";
        var failure = response.StatusCode switch
        {
            HttpStatusCode.Unauthorized => new MimecastFailure(MimecastFailureKind.Unauthorized,
                $"Mimecast refused a freshly issued token for client id {_credentials.ClientId} ({described})", status),
            HttpStatusCode.Forbidden => new MimecastFailure(MimecastFailureKind.Forbidden,
                $"The Mimecast application of client id {_credentials.ClientId} may not read SIEM logs; grant it the SIEM permission ({described})", status),
            _ when status is >= 400 and < 500 => new MimecastFailure(MimecastFailureKind.BadRequest, $"Mimecast refused the listing request with {status} ({described})", status),
            _ => new MimecastFailure(MimecastFailureKind.ServerError, $"Mimecast listing failed with {status} ({described})", status),
        };
        return new ListingFailed(failure, rate, calls);
    }

    private async Task<AccessToken> FetchTokenAsync(CancellationToken cancel)
    {
        using var form = new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["client_id"] = _credentials.ClientId,
            ["client_secret"] = _credentials.ClientSecret,
            ["grant_type"] = "client_credentials",
        });
        HttpResponseMessage response;
        try
        {
            response = await _http.CreateClient(MimecastHttpClients.Token).PostAsync(new Uri(_credentials.BaseUrl, "oauth/token"), form, cancel);
        }
        catch (Exception e) when (IsTransport(e, cancel))
        {
            throw new MimecastTokenException(new MimecastFailure(MimecastFailureKind.Transport, $"Mimecast token request to {_credentials.BaseUrl} got no answer: {e.Message}"));
        }

        using (response)
        {
            var status = (int)response.StatusCode;
            string body;
            try
            {
                body = await response.Content.ReadAsStringAsync(cancel);
            }
            catch (Exception e) when (IsTransport(e, cancel))
            {
                throw new MimecastTokenException(new MimecastFailure(MimecastFailureKind.Transport, $"Mimecast token answer was cut: {e.Message}", status));
            }

            if (response.IsSuccessStatusCode)
            {
                return ParseToken(body, status);
            }

            if (response.StatusCode == HttpStatusCode.TooManyRequests)
            {
                var wait = RateLimitWait.For(response.Headers.RetryAfter, RateLimitStatus.From(response.Headers), _time.GetUtcNow(), _options, Random.Shared);
                throw new MimecastTokenException(new MimecastFailure(MimecastFailureKind.ServerError, $"Mimecast token endpoint is rate limited; waiting {wait}", status), wait);
            }

            var (code, message) = MimecastErrorBody.Parse(body);
            var described = code is null ? message : $"{code}: {message}";
            LogTokenFailed(_log, _credentials.ClientId, status, described);
            throw new MimecastTokenException(status switch
            {
                400 or 401 => new MimecastFailure(MimecastFailureKind.InvalidCredentials,
                    $"Mimecast rejected the client credentials of client id {_credentials.ClientId}: check the client id and secret ({described})", status),
                403 => new MimecastFailure(MimecastFailureKind.Forbidden, $"Mimecast refused a token to client id {_credentials.ClientId} ({described})", status),
                _ => new MimecastFailure(MimecastFailureKind.ServerError, $"Mimecast token request failed with {status} ({described})", status),
            });
        }
    }

    private AccessToken ParseToken(string body, int status)
    {
        try
        {
            using var doc = JsonDocument.Parse(body);
            var root = doc.RootElement;
            // Checked kind by kind: a proxy's `null` or `[]`, or a `"expires_in":"1799"`, would otherwise throw past the caller.
            if (root.ValueKind == JsonValueKind.Object &&
                root.TryGetProperty("access_token", out var value) && value.ValueKind == JsonValueKind.String && value.GetString() is { Length: > 0 } token &&
                root.TryGetProperty("expires_in", out var ttl) && ttl.ValueKind == JsonValueKind.Number && ttl.TryGetInt32(out var seconds) && seconds > 0)
            {
                var lifetime = TimeSpan.FromSeconds(seconds);
                LogTokenIssued(_log, _credentials.ClientId, lifetime);
                return new AccessToken(token, _time.GetUtcNow() + lifetime, lifetime);
            }
        }
        catch (JsonException)
        {
            // Reported below.
        }

        throw new MimecastTokenException(new MimecastFailure(MimecastFailureKind.MalformedResponse,
            $"Mimecast token endpoint answered {status} without a token: expected `access_token` (a string) and `expires_in` (a positive number of seconds)", status));
    }

    // TimeoutRejectedException: the resilience pipeline's own timeout (token and blob clients), not a TimeoutException.
    internal static bool IsTransport(Exception e, CancellationToken cancel) =>
        e is HttpRequestException or IOException or TimeoutRejectedException || (e is TaskCanceledException or TimeoutException && !cancel.IsCancellationRequested);

    private static Uri WithTrailingSlash(Uri url) => url.AbsoluteUri.EndsWith('/') ? url : new Uri(url.AbsoluteUri + "/");

    [LoggerMessage(Level = LogLevel.Debug, Message = "Mimecast token issued for client id {ClientId}, valid {Lifetime}")]
    private static partial void LogTokenIssued(ILogger log, string clientId, TimeSpan lifetime);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Mimecast token request for client id {ClientId} failed with {Status}: {Reason}")]
    private static partial void LogTokenFailed(ILogger log, string clientId, int status, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Mimecast refused the token of client id {ClientId}; fetching a new one and retrying once")]
    private static partial void LogTokenRefused(ILogger log, string clientId);
}

/// <summary>A token could not be had; <see cref="Wait"/> is set when the token endpoint itself was rate limited.</summary>
public sealed class MimecastTokenException(MimecastFailure failure, TimeSpan? wait = null) : Exception(failure.Message)
{
    public MimecastFailure Failure { get; } = failure;

    public TimeSpan? Wait { get; } = wait;
}
