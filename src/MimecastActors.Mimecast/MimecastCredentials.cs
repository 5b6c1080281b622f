namespace MimecastActors.Mimecast;

/// <summary>A tenant's Mimecast API 2.0 application. The secret stays out of every printed form of this record.</summary>
public sealed record MimecastCredentials(Uri BaseUrl, string ClientId, string ClientSecret)
{
    public static readonly Uri GlobalBaseUrl = new("https://api.services.mimecast.com/");

    public override string ToString() => $"MimecastCredentials {{ BaseUrl = {BaseUrl}, ClientId = {ClientId}, ClientSecret = *** }}";
}
