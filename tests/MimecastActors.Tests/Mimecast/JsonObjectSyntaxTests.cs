using System.Text;
using System.Text.Json;
using System.Text.Unicode;

using CsCheck;

using MimecastActors.Mimecast;

namespace MimecastActors.Tests.Mimecast;

/// <summary>The grammar walk must say exactly what <see cref="Utf8JsonReader"/> says of every line: the reader is the oracle.</summary>
public sealed class JsonObjectSyntaxTests
{
    private static readonly string[] Fragments =
    [
        "{", "}", "[", "]", ",", ":", " ", "\t", "\r\n", "\"a\"", "\"x\\\"y\"", "\"\\u00e9\\/\\b\\f\\n\\r\\t\\\\\"", "\"\\uZZ12\"", "\"\\u12\"",
        "\"\\q\"", "\"", "\\", "\"\u0001\"", "\"\u007f é 日本 😀\"", "0", "1", "-", "01", "-0", "1.", ".5", "1.5", "1e5", "1E+", "2e-3", "-12.5E+7",
        "true", "tru", "false", "null", "nul", "nullx", "é", "/", "/* c */", "// c",
    ];

    private static readonly Gen<string> Soup = Gen.Int[0, Fragments.Length - 1].Select(i => Fragments[i]).Array[1, 30]
        .Select(pieces => "{" + string.Concat(pieces));

    [Theory]
    [InlineData("""{}""")]
    [InlineData(""" {"a":[]} """)]
    [InlineData("""{"a":{},"b":[[],{}],"c":[1,-0,0.5,1e5,2E-3,-12.5e+7,true,false,null,"s"]}""")]
    [InlineData("{\"s\":\"\\\" \\\\ \\/ \\b \\f \\n \\r \\t \\u00E9 \\uD83D\\uDE00 é 日本\"}")]
    [InlineData("\r\n\t {\"a\" : 1 ,\t\"b\"\n:\r[ 1 , 2 ] }\t")]
    public void Accepts_what_the_reader_accepts(string text)
    {
        ReaderAccepts(Encoding.UTF8.GetBytes(text)).Should().BeTrue("the oracle must accept the example itself");
        JsonObjectSyntax.FindError(Encoding.UTF8.GetBytes(text), out _).Should().Be(-1);
    }

    [Theory]
    [InlineData("", false)]
    [InlineData("   ", false)]
    [InlineData("[1]", false)]
    [InlineData("\"s\"", false)]
    [InlineData("{", true)]
    [InlineData("{\"a\"}", true)]
    [InlineData("{\"a\":}", true)]
    [InlineData("{\"a\":1,}", true)]
    [InlineData("{\"a\":[1,]}", true)]
    [InlineData("{,\"a\":1}", true)]
    [InlineData("{\"a\":1}{}", true)]
    [InlineData("{\"a\":1} x", true)]
    [InlineData("{\"a\":01}", true)]
    [InlineData("{\"a\":1.}", true)]
    [InlineData("{\"a\":.5}", true)]
    [InlineData("{\"a\":-}", true)]
    [InlineData("{\"a\":1e}", true)]
    [InlineData("{\"a\":+1}", true)]
    [InlineData("{\"a\":tru}", true)]
    [InlineData("{\"a\":truex}", true)]
    [InlineData("{\"a\":NaN}", true)]
    [InlineData("{\"a\":'s'}", true)]
    [InlineData("{a:1}", true)]
    [InlineData("{\"a\":\"\\x\"}", true)]
    [InlineData("{\"a\":\"\\u12G4\"}", true)]
    [InlineData("{\"a\":\"tab\there\"}", true)]
    [InlineData("{\"a\":1 /* c */}", true)]
    [InlineData("{\"a\":[1}", true)]
    [InlineData("{\"a\":{]}", true)]
    public void Rejects_what_the_reader_rejects(string text, bool startsAsObject)
    {
        var utf8 = Encoding.UTF8.GetBytes(text);
        ReaderAccepts(utf8).Should().BeFalse("the oracle must refuse the example itself");
        JsonObjectSyntax.FindError(utf8, out var isObject).Should().BeGreaterThanOrEqualTo(0);
        isObject.Should().Be(startsAsObject);
    }

    [Theory]
    [InlineData(JsonObjectSyntax.MaxDepth - 1)]
    [InlineData(JsonObjectSyntax.MaxDepth)]
    [InlineData(JsonObjectSyntax.MaxDepth + 1)]
    public void Nesting_is_limited_where_the_reader_limits_it(int depth)
    {
        // Objects and arrays alternate, so the walk must remember which is which at every level on the way out.
        var open = new StringBuilder();
        var close = new StringBuilder();
        for (var level = 0; level < depth; level++)
        {
            open.Append(level % 2 == 0 ? "{\"k\":" : "[");
            close.Insert(0, level % 2 == 0 ? "}" : "]");
        }

        var utf8 = Encoding.UTF8.GetBytes(open + "1" + close);
        (JsonObjectSyntax.FindError(utf8, out _) < 0).Should().Be(ReaderAccepts(utf8)).And.Be(depth <= JsonObjectSyntax.MaxDepth);
    }

    [Fact]
    public void Agrees_with_the_reader_on_token_soup() =>
        Soup.Sample(text =>
        {
            var utf8 = Encoding.UTF8.GetBytes(text);
            return (JsonObjectSyntax.FindError(utf8, out _) < 0) == ReaderAccepts(utf8);
        }, iter: 20_000);

    [Fact]
    public void Agrees_with_the_reader_on_every_ascii_byte_at_every_place_of_a_long_string()
    {
        // Strings are searched 32 bytes at a time, then byte by byte: each byte is tried in the first block, across
        // the block boundary and in the tail, in a key and in a value.
        for (var length = 60; length <= 72; length += 12)
        {
            for (var at = 0; at < length; at++)
            {
                for (var b = 0; b < 0x80; b++)
                {
                    var inside = Enumerable.Repeat((byte)'a', length).ToArray();
                    inside[at] = (byte)b;
                    byte[][] documents = [[.. "{\"k\":\""u8, .. inside, .. "\"}"u8], [.. "{\""u8, .. inside, .. "\":1}"u8]];
                    foreach (var utf8 in documents)
                    {
                        (JsonObjectSyntax.FindError(utf8, out _) < 0).Should().Be(ReaderAccepts(utf8), $"byte 0x{b:X2} at {at} of {length}");
                    }
                }
            }
        }
    }

    [Fact]
    public void Agrees_with_the_reader_on_random_documents_whole_and_damaged()
    {
        var verdicts = new int[2];
        Gen.Int.Select(Gen.Int[0, 3]).Sample((seed, damage) =>
        {
            var random = new Random(seed);
            var text = new StringBuilder();
            Document(random, text, depth: 0);
            var utf8 = Damage(random, Encoding.UTF8.GetBytes(text.ToString()), damage);
            if (!Utf8.IsValid(utf8))
            {
                return true;
            }

            var accepted = ReaderAccepts(utf8);
            verdicts[accepted ? 1 : 0]++;
            return (JsonObjectSyntax.FindError(utf8, out _) < 0) == accepted;
        }, iter: 20_000);

        verdicts.Should().OnlyContain(n => n > 1_000, "both verdicts must be exercised, else the comparison proves nothing");
    }

    /// <summary>A valid object of random members, values and whitespace.</summary>
    private static void Document(Random random, StringBuilder text, int depth)
    {
        text.Append(Space(random)).Append('{');
        var members = random.Next(depth > 3 ? 2 : 5);
        for (var i = 0; i < members; i++)
        {
            text.Append(i > 0 ? "," : "").Append(Space(random)).Append(JsonSerializer.Serialize(Word(random))).Append(Space(random)).Append(':');
            Value(random, text, depth + 1);
        }

        text.Append(Space(random)).Append('}').Append(Space(random));
    }

    private static void Value(Random random, StringBuilder text, int depth)
    {
        text.Append(Space(random));
        switch (random.Next(depth > 3 ? 6 : 8))
        {
            case 0:
                text.Append(JsonSerializer.Serialize(Word(random)));
                break;
            case 1:
                text.Append('"').Append(random.Next(2) == 0 ? "\\u00e9\\n" : "\\\"q\\\"").Append(Word(random)).Append('"');
                break;
            case 2:
                text.Append(random.Next(3) switch { 0 => "true", 1 => "false", _ => "null" });
                break;
            case 3:
                text.Append(random.Next(-1000, 1000));
                break;
            case 4:
                text.Append((random.NextDouble() - 0.5) * Math.Pow(10, random.Next(-30, 30)));
                break;
            case 5:
                text.Append(random.Next(2) == 0 ? "0" : "-0.0e+1");
                break;
            case 6:
                Document(random, text, depth);
                break;
            default:
                text.Append('[');
                var items = random.Next(4);
                for (var i = 0; i < items; i++)
                {
                    text.Append(i > 0 ? "," : "");
                    Value(random, text, depth + 1);
                }

                text.Append(Space(random)).Append(']');
                break;
        }

        text.Append(Space(random));
    }

    private static string Word(Random random) =>
        new[] { "type", "é", "日本", "a\"b", "tab\t", "😀", "", "x/y", "\u0001" }[random.Next(9)];

    private static string Space(Random random) => random.Next(6) switch { 0 => " ", 1 => "\r\n\t", _ => "" };

    /// <summary>None, or one byte deleted, replaced or inserted, or the text cut short.</summary>
    private static byte[] Damage(Random random, byte[] utf8, int damage)
    {
        var at = random.Next(utf8.Length);
        const string Others = "{}[],:\"\\ 0-.eE+tfn\u0001x";
        var other = (byte)Others[random.Next(Others.Length)];
        return damage switch
        {
            0 => utf8,
            1 => [.. utf8[..at], .. utf8[(at + 1)..]],
            2 => [.. utf8[..at], other, .. utf8[(at + 1)..]],
            _ => random.Next(2) == 0 ? [.. utf8[..at], other, .. utf8[at..]] : utf8[..at],
        };
    }

    [Fact]
    public void Agrees_with_the_reader_on_real_events_and_every_single_byte_damage_to_them()
    {
        var samples = SamplesFolder();
        var lines = Directory.GetFiles(samples, "*.ndjson")
            .SelectMany(File.ReadAllLines)
            .Where(line => line.Length > 0)
            .Concat(Directory.GetFiles(samples, "*.json").Select(File.ReadAllText))
            .Select(Encoding.UTF8.GetBytes)
            .ToList();
        lines.Should().NotBeEmpty();
        var checkedLines = 0;
        var replacements = "{}[],:\"\\ 0-.eEtn\u0001"u8.ToArray();
        foreach (var line in lines)
        {
            JsonObjectSyntax.FindError(line, out _).Should().Be(-1, Encoding.UTF8.GetString(line));
            for (var at = 0; at < line.Length; at++)
            {
                var deleted = line.Take(at).Concat(line.Skip(at + 1)).ToArray();
                Compare(deleted);
                Compare(line[..at]);
                var replaced = (byte[])line.Clone();
                replaced[at] = replacements[at % replacements.Length];
                Compare(replaced);
                checkedLines += 3;
            }
        }

        checkedLines.Should().BeGreaterThan(10_000);

        static void Compare(byte[] utf8)
        {
            if (Utf8.IsValid(utf8))
            {
                (JsonObjectSyntax.FindError(utf8, out _) < 0).Should().Be(ReaderAccepts(utf8), Encoding.UTF8.GetString(utf8));
            }
        }
    }

    private static bool ReaderAccepts(byte[] utf8)
    {
        try
        {
            var reader = new Utf8JsonReader(utf8);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return false;
            }

            reader.Skip();
            return !reader.Read();
        }
        catch (JsonException)
        {
            return false;
        }
    }

    private static string SamplesFolder()
    {
        for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
        {
            var samples = Path.Combine(folder.FullName, "src", "MimecastActors.Simulator", "Samples");
            if (Directory.Exists(samples))
            {
                return samples;
            }
        }

        throw new DirectoryNotFoundException("src/MimecastActors.Simulator/Samples not found above " + AppContext.BaseDirectory);
    }
}
