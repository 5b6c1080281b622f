using Microsoft.Extensions.Configuration;

using MimecastActors.Host;

namespace MimecastActors.Tests.Host;

public sealed class NodeBuilderTests
{
    [Fact]
    public void Reads_the_configuration_files_once_without_watching_the_working_folder()
    {
        var folder = Directory.CreateTempSubdirectory("mimecast-builder-");
        try
        {
            File.WriteAllText(Path.Combine(folder.FullName, "appsettings.json"), """{ "Cluster": { "Hostname": "from-file" } }""");

            var builder = MimecastNode.CreateBuilder(["--Cluster:Port=4321"], folder.FullName);

            var files = builder.Configuration.Sources.OfType<FileConfigurationSource>().ToList();
            files.Should().NotBeEmpty("appsettings.json is still read");
            files.Should().OnlyContain(f => !f.ReloadOnChange,
                "the node reads its configuration once; a watcher on the working folder wakes on every journal write");
            builder.Configuration["Cluster:Hostname"].Should().Be("from-file");
            builder.Configuration["Cluster:Port"].Should().Be("4321", "command-line settings still apply");
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }
}
