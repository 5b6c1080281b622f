using System.Text;

using MimecastActors.Mimecast;

namespace MimecastActors.Tests.Mimecast;

public sealed class BatchLineTests
{
    private static (RejectReason, string)? Check(string line, int max = 250_000) => BatchLine.Check(Encoding.UTF8.GetBytes(line), max);

    [Theory]
    [InlineData("""{"type":"receipt","timestamp":1731499059314}""")]
    [InlineData("""{ "nested": {"a":[1,2,{"b":null}]}, "s":"é \" \\" } """)]
    public void A_json_object_passes(string line) => Check(line).Should().BeNull();

    [Theory]
    [InlineData("""{"subject":"unterminated""")]
    [InlineData("""{"a":1}{"b":2}""")]
    [InlineData("""[1,2,3]""")]
    [InlineData("""42""")]
    [InlineData("""{"a":1,}""")]
    public void Anything_but_one_json_object_is_invalid_json(string line) =>
        Check(line)!.Value.Item1.Should().Be(RejectReason.InvalidJson);

    [Fact]
    public void Invalid_utf8_is_rejected_as_such()
    {
        var line = Encoding.UTF8.GetBytes("""{"subject":"x"}""").ToList();
        line.InsertRange(12, new byte[] { 0xC3, 0x28 });
        BatchLine.Check(line.ToArray(), 250_000)!.Value.Item1.Should().Be(RejectReason.InvalidUtf8);
    }

    [Fact]
    public void Oversize_counts_characters_as_the_intake_does_not_bytes()
    {
        var ascii = "{\"p\":\"" + new string('x', 99) + "\"}"; // 107 characters
        var accented = "{\"p\":\"" + new string('é', 99) + "\"}"; // 107 characters in 206 bytes
        var astral = "{\"p\":\"" + string.Concat(Enumerable.Repeat("😀", 30)) + "\"}"; // 38 code points, 68 UTF-16 units

        Check(ascii, max: 106)!.Value.Item1.Should().Be(RejectReason.Oversize);
        Check(ascii, max: 107).Should().BeNull();
        Check(accented, max: 107).Should().BeNull();
        Check(accented, max: 106)!.Value.Item1.Should().Be(RejectReason.Oversize);
        Check(astral, max: 38).Should().BeNull();
    }
}
