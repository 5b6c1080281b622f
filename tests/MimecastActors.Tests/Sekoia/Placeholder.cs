namespace MimecastActors.Tests.Sekoia;
