namespace MimecastActors.Sekoia;
