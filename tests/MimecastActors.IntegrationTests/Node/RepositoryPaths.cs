namespace MimecastActors.IntegrationTests.Node;

public static class RepositoryPaths
{
    /// <summary>The checkout: the first folder above the test binaries that holds MimecastActors.sln.</summary>
    public static string Root { get; } = FindRoot();

    /// <summary>The node executable, built with the same configuration (Debug/Release) as the tests.</summary>
    public static string HostAssembly
    {
        get
        {
            var configuration = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar)).Parent!.Name;
            var path = Path.Combine(Root, "src", "MimecastActors.Host", "bin", configuration, "net10.0", "mimecast-actors.dll");
            return File.Exists(path) ? path : throw new FileNotFoundException($"The node executable is not built: {path}");
        }
    }

    private static string FindRoot()
    {
        for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
        {
            if (File.Exists(Path.Combine(folder.FullName, "MimecastActors.sln")))
            {
                return folder.FullName;
            }
        }

        throw new DirectoryNotFoundException("MimecastActors.sln not found above " + AppContext.BaseDirectory);
    }
}
