namespace MimecastActors.Mimecast;

public enum MimecastFailureKind
{
    /// <summary>The client id or secret is wrong (`InvalidClientIdentifier`): fix the configuration.</summary>
    InvalidCredentials,

    /// <summary>The application lacks the SIEM permission (`app_forbidden`): fix it in the Mimecast console.</summary>
    Forbidden,

    /// <summary>A fresh token was refused too.</summary>
    Unauthorized,

    /// <summary>The request itself was refused (400): a parameter or the `nextPage` token.</summary>
    BadRequest,

    /// <summary>The API failed (5xx); try again later.</summary>
    ServerError,

    /// <summary>No answer: connection refused or reset, timeout.</summary>
    Transport,

    /// <summary>An answer that does not have the documented shape.</summary>
    MalformedResponse,
}

/// <summary>Why a Mimecast call failed, worded for an operator.</summary>
public sealed record MimecastFailure(MimecastFailureKind Kind, string Message, int? Status = null)
{
    /// <summary>Worth trying again later without changing anything.</summary>
    public bool IsTransient => Kind is MimecastFailureKind.ServerError or MimecastFailureKind.Transport or MimecastFailureKind.MalformedResponse;

    /// <summary>Only an operator can fix it: the tenant should pause with this message.</summary>
    public bool NeedsOperator => Kind is MimecastFailureKind.InvalidCredentials or MimecastFailureKind.Forbidden or MimecastFailureKind.Unauthorized;
}
