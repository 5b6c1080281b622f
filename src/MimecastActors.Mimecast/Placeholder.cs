namespace MimecastActors.Mimecast;
