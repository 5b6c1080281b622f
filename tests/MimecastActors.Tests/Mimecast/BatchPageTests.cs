using MimecastActors.Mimecast;

namespace MimecastActors.Tests.Mimecast;

public sealed class BatchPageTests
{
    [Fact]
    public void A_page_is_parsed_and_the_same_file_twice_is_kept_once()
    {
        const string json = """
            {"value":[{"url":"https://s3.example/a/log1.json.gz?sig=1","expiry":"2024-11-19T02:14:04.839Z","size":424},
                      {"url":"https://s3.example/a/log1.json.gz?sig=2","expiry":"2024-11-19T02:14:04.839Z","size":424},
                      {"url":"https://s3.example/a/log2.json.gz?sig=3"}],
             "@nextPage":"NDU1NA==","isCaughtUp":false}
            """;

        BatchPage.TryParse(json, out var page, out _).Should().BeTrue();

        page.Files.Select(f => f.Identity).Should().Equal("https://s3.example/a/log1.json.gz", "https://s3.example/a/log2.json.gz");
        page.Files[0].Size.Should().Be(424);
        page.Files[0].Expiry.Should().Be(new DateTimeOffset(2024, 11, 19, 2, 14, 4, 839, TimeSpan.Zero));
        page.Files[1].Size.Should().BeNull();
        page.DuplicatesDropped.Should().Be(1);
        (page.NextPage, page.IsCaughtUp).Should().Be(("NDU1NA==", false));
        page.Files[0].ToString().Should().NotContain("sig=");
    }

    [Theory]
    [InlineData("""{"@nextPage":"x","isCaughtUp":true}""", "no `value` array")]
    [InlineData("""{"value":{},"@nextPage":"x","isCaughtUp":true}""", "no `value` array")]
    [InlineData("""{"value":[],"isCaughtUp":true}""", "no `@nextPage` token")]
    [InlineData("""{"value":[],"@nextPage":"","isCaughtUp":true}""", "no `@nextPage` token")]
    [InlineData("""{"value":[],"@nextPage":null,"isCaughtUp":true}""", "no `@nextPage` token")]
    [InlineData("""{"value":[],"@nextPage":"x"}""", "no boolean `isCaughtUp`")]
    [InlineData("""{"value":[],"@nextPage":"x","isCaughtUp":"true"}""", "no boolean `isCaughtUp`")]
    [InlineData("""{"value":[{"size":1}],"@nextPage":"x","isCaughtUp":true}""", "`value[0]` has no absolute `url`")]
    [InlineData("""{"value":[{"url":"relative/path"}],"@nextPage":"x","isCaughtUp":true}""", "`value[0]` has no absolute `url`")]
    [InlineData("""{"value":[{"url":"/bucket/receipt/0.json.gz"}],"@nextPage":"x","isCaughtUp":true}""", "`value[0]` has a `url` that is not an http(s) URL (scheme `file`)")]
    [InlineData("""{"value":[{"url":"ftp://files.example/0.json.gz"}],"@nextPage":"x","isCaughtUp":true}""", "`value[0]` has a `url` that is not an http(s) URL (scheme `ftp`)")]
    [InlineData("""[]""", "not a JSON object")]
    [InlineData("""<html>""", "not valid JSON")]
    public void A_missing_or_mistyped_field_is_an_error_that_names_it(string json, string problem)
    {
        BatchPage.TryParse(json, out _, out var message).Should().BeFalse();
        message.Should().Contain(problem);
    }

    [Fact]
    public void The_sample_caught_up_page_parses() =>
        BatchPage.TryParse("""{"value": [], "@nextPage": "tokenNextPageLast==", "isCaughtUp": true}""", out var page, out _).Should().BeTrue();
}
