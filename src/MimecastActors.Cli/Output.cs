using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

using Spectre.Console;
using Spectre.Console.Rendering;

namespace MimecastActors.Cli;

/// <summary>
/// Where answers go: the node's JSON as it came (`--json`), or tables for a person. Errors are one line on stderr,
/// never a stack trace. Every text from the node is written as plain text, never as Spectre markup.
/// </summary>
internal sealed class Output(bool json)
{
    private static readonly Lazy<IAnsiConsole> Terminal = new(CreateTerminal);

    /// <summary>The answer as JSON, or <paramref name="human"/>'s rendering of it read as <typeparamref name="T"/>.</summary>
    public void Print<T>(JsonNode answer, Action<T> human)
    {
        if (json)
        {
            Console.Out.WriteLine(answer.ToJsonString(AdminViews.Indented));
        }
        else
        {
            human(answer.Deserialize<T>(AdminViews.Json) ?? throw new JsonException($"expected {typeof(T).Name}, got null"));
        }
    }

    /// <summary>A value the CLI computed itself (the metrics summary), as JSON or as a person reads it.</summary>
    public void Print<T>(T value, Action<T> human)
    {
        if (json)
        {
            Console.Out.WriteLine(JsonSerializer.Serialize(value, AdminViews.Indented));
        }
        else
        {
            human(value);
        }
    }

    public static void Write(IRenderable renderable) => Terminal.Value.Write(renderable);

    public static void Line(string text = "") => Console.Out.WriteLine(text);

    public static void Error(string message) => Console.Error.WriteLine($"mimecastctl: {message}");

    public static Table Table(params string[] headers)
    {
        var table = new Table().Border(TableBorder.Rounded);
        foreach (var header in headers)
        {
            table.AddColumn(new TableColumn(new Text(header, new Style(decoration: Decoration.Bold))));
        }

        return table;
    }

    /// <summary>Names on the left, values on the right: one thing in detail, as plain lines.</summary>
    public static void Fields(params (string Name, string Value)[] fields)
    {
        var width = fields.Max(f => f.Name.Length) + 2;
        foreach (var (name, value) in fields)
        {
            Line(name.PadRight(width) + value);
        }
    }

    public static IRenderable Cell(string? text, Color? color = null) => new Text(text ?? "-", color is { } c ? new Style(c) : Style.Plain);

    public static string Count(long value) => value.ToString("N0", CultureInfo.InvariantCulture);

    public static string Time(DateTimeOffset? at) => at?.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture) ?? "-";

    /// <summary>How a person says a lag: 45s, 3m 12s, 2h 05m, 3d 4h.</summary>
    public static string Duration(double? seconds)
    {
        if (seconds is not { } s)
        {
            return "-";
        }

        var span = TimeSpan.FromSeconds(Math.Round(s));
        return span.TotalDays >= 1 ? $"{(int)span.TotalDays}d {span.Hours}h"
            : span.TotalHours >= 1 ? $"{(int)span.TotalHours}h {span.Minutes:00}m"
            : span.TotalMinutes >= 1 ? $"{(int)span.TotalMinutes}m {span.Seconds:00}s"
            : $"{span.Seconds}s";
    }

    public static string Bytes(long bytes) => bytes switch
    {
        < 1024 => $"{bytes} B",
        < 1024 * 1024 => string.Create(CultureInfo.InvariantCulture, $"{bytes / 1024.0:0.#} KiB"),
        _ => string.Create(CultureInfo.InvariantCulture, $"{bytes / (1024.0 * 1024):0.#} MiB"),
    };

    /// <summary>Tenant states at a glance: paused and silent need an operator, the others do not.</summary>
    public static Color? StateColor(string state) => state switch
    {
        "paused" => Color.Yellow,
        "silent" => Color.Red,
        "caught-up" => Color.Green,
        _ => null,
    };

    private static IAnsiConsole CreateTerminal()
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Out) });
        if (Console.IsOutputRedirected)
        {
            // A file or a pipe has no width: keep rows whole for grep rather than wrapped at 80 columns.
            console.Profile.Width = 250;
        }

        return console;
    }
}
