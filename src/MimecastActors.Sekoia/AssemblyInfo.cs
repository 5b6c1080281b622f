using System.Runtime.CompilerServices;

// The unit tests check the wire encoding (gzip, headers) without a server.
[assembly: InternalsVisibleTo("MimecastActors.Tests")]
