using Serilog.Core;
using Serilog.Events;
using Serilog.Formatting.Display;

namespace MimecastActors.Host;

/// <summary>The last lines a node logged, for `mimecastctl log peek`: a bounded ring in memory, oldest dropped first.</summary>
public sealed class LogRing(int capacity = 5_000) : ILogEventSink
{
    private static readonly MessageTemplateTextFormatter Message = new("{Message:lj}");

    private readonly Queue<LogLine> _lines = new();
    private readonly Lock _gate = new();

    public sealed record LogLine(DateTimeOffset At, string Level, string Source, string Message);

    public void Emit(LogEvent logEvent)
    {
        var source = logEvent.Properties.TryGetValue("SourceContext", out var context) ? context.ToString().Trim('"') : "";
        using var text = new StringWriter(System.Globalization.CultureInfo.InvariantCulture);
        Message.Format(logEvent, text); // literal strings, as on the console: `Tenant acme …`, not `Tenant "acme" …`
        var line = new LogLine(logEvent.Timestamp, logEvent.Level.ToString(), source, text.ToString());
        lock (_gate)
        {
            _lines.Enqueue(line);
            while (_lines.Count > capacity)
            {
                _lines.Dequeue();
            }
        }
    }

    /// <summary>The last <paramref name="count"/> lines, of one tenant if given (its lines all begin "Tenant {id}").</summary>
    public IReadOnlyList<LogLine> Last(int count, string? tenant = null)
    {
        lock (_gate)
        {
            var lines = tenant is null
                ? _lines
                : _lines.Where(l => l.Message.StartsWith($"Tenant {tenant} ", StringComparison.Ordinal) || l.Message.StartsWith($"Tenant {tenant}:", StringComparison.Ordinal));
            return [.. lines.TakeLast(count)];
        }
    }
}
