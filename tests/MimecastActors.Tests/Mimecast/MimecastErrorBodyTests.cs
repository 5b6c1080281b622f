using MimecastActors.Mimecast;

namespace MimecastActors.Tests.Mimecast;

public sealed class MimecastErrorBodyTests
{
    [Theory]
    [InlineData("""{"fail":[{"code":"InvalidClientIdentifier","message":"Client credentials are invalid"}]}""", "InvalidClientIdentifier", "Client credentials are invalid")]
    [InlineData("""{"fail":[{"code":"unauthorized"}]}""", "unauthorized", "unauthorized")]
    [InlineData("""{"error":{"code":"validation_error","message":"pageSize must be between 1 and 100"}}""", "validation_error", "pageSize must be between 1 and 100")]
    [InlineData("""{"error":"invalid_grant"}""", null, "invalid_grant")]
    [InlineData("""{"message":"Internal server error"}""", null, "Internal server error")]
    [InlineData("<html><head><title>502 Bad Gateway</title></head><body><h1>502 Bad Gateway</h1></body></html>", null, "502 Bad Gateway 502 Bad Gateway")]
    [InlineData("upstream connect error\r\n or disconnect", null, "upstream connect error or disconnect")]
    [InlineData("", null, "no body")]
    [InlineData("[1,2]", null, "[1,2]")]
    public void Every_shape_becomes_one_readable_message(string body, string? code, string message) =>
        MimecastErrorBody.Parse(body).Should().Be((code, message));

    [Fact]
    public void A_long_page_is_cut() =>
        MimecastErrorBody.Parse(new string('x', 5000)).Message.Length.Should().BeLessThanOrEqualTo(201);
}
