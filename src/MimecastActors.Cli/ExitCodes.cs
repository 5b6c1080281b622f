namespace MimecastActors.Cli;

/// <summary>What scripts can tell apart without reading the message.</summary>
internal static class ExitCodes
{
    public const int Done = 0;

    /// <summary>The node answered with an error (unknown tenant, wrong token, a value it refused…).</summary>
    public const int NodeError = 1;

    /// <summary>The command line itself is wrong; nothing was sent.</summary>
    public const int Usage = 2;

    /// <summary>No answer: the node is down, the address is wrong, or it timed out.</summary>
    public const int Unreachable = 3;
}
