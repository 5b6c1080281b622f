using System.Globalization;

using MimecastActors.IntegrationTests.Node;

using YamlDotNet.Core;
using YamlDotNet.Core.Events;
using YamlDotNet.Serialization;

namespace MimecastActors.IntegrationTests.Deploy;

/// <summary>
/// A node of a parsed YAML document and where it sits (file and key path), for assertion messages. A missing key gives a
/// node whose <see cref="Value"/> is null, so that paths can be followed without checks and the message names the key.
/// Scalars are strings (YamlDotNet into <c>object</c>): <c>4053</c> reads as "4053".
/// </summary>
public sealed record Y(object? Value, string Where)
{
    public Y this[string key] =>
        new(Value is IDictionary<object, object?> map && map.TryGetValue(key, out var v) ? v : null, Where.EndsWith(':') ? $"{Where} {key}" : $"{Where}.{key}");

    public bool Exists => Value is not null;

    public string? Text => Value as string;

    public int? Number => Value is string s && int.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out var i) ? i : null;

    public IReadOnlyList<Y> Items => Value is IList<object?> list ? [.. list.Select((v, i) => new Y(v, $"{Where}[{i}]"))] : [];

    public IReadOnlyList<KeyValuePair<string, Y>> Entries =>
        Value is IDictionary<object, object?> map ? [.. map.Select(e => KeyValuePair.Create((string)e.Key, this[(string)e.Key]))] : [];

    /// <summary>The element of a list whose `name` is <paramref name="name"/> (containers, ports, env, volumes).</summary>
    public Y Named(string name) => Items.FirstOrDefault(i => i["name"].Text == name) ?? new Y(null, $"{Where}[name={name}]");

    /// <summary>A map of scalars (labels, selectors, ConfigMap data).</summary>
    public IReadOnlyDictionary<string, string> Strings => Entries.ToDictionary(e => e.Key, e => e.Value.Text ?? "", StringComparer.Ordinal);

    public override string ToString() => Where;
}

/// <summary>One YAML document of a file under deploy/.</summary>
public sealed record Manifest(string File, Y Root)
{
    public string? Kind => Root["kind"].Text;

    public string? Name => Root["metadata"]["name"].Text;

    public override string ToString() => $"{Kind} {Name} ({File})";
}

/// <summary>The files under deploy/, parsed.</summary>
public static class DeployFiles
{
    public static string Folder => Path.Combine(RepositoryPaths.Root, "deploy");

    /// <summary>A path as the messages show it: relative to the repository, forward slashes.</summary>
    public static string Show(string path) => Path.GetRelativePath(RepositoryPaths.Root, path).Replace('\\', '/');

    public static IReadOnlyList<string> YamlFiles =>
        [.. Directory.EnumerateFiles(Folder, "*", SearchOption.AllDirectories)
            .Where(f => f.EndsWith(".yaml", StringComparison.OrdinalIgnoreCase) || f.EndsWith(".yml", StringComparison.OrdinalIgnoreCase))
            .Order(StringComparer.Ordinal)];

    public static IReadOnlyList<Manifest> All => [.. YamlFiles.SelectMany(Load)];

    /// <summary>Every non-empty document of a YAML file; a syntax error throws with the file's name.</summary>
    public static IReadOnlyList<Manifest> Load(string file)
    {
        var text = File.ReadAllText(file);
        var deserializer = new DeserializerBuilder().Build();
        var parser = new Parser(new StringReader(text));
        var documents = new List<Manifest>();
        try
        {
            parser.Consume<StreamStart>();
            while (parser.Accept<DocumentStart>(out _))
            {
                var value = deserializer.Deserialize<object?>(parser);
                if (value is not null)
                {
                    documents.Add(new Manifest(Show(file), new Y(value, documents.Count == 0 ? $"{Show(file)}:" : $"{Show(file)} (document {documents.Count + 1}):")));
                }
            }
        }
        catch (YamlException e)
        {
            throw new InvalidDataException($"{Show(file)} is not valid YAML: {e.Message}", e);
        }

        return documents;
    }

    /// <summary>The folders that hold a kustomization.yaml: deploy/base and each overlay.</summary>
    public static IReadOnlyList<string> KustomizationFolders =>
        [.. YamlFiles.Where(f => IsKustomizationFile(Path.GetFileName(f))).Select(f => Path.GetDirectoryName(f)!)];

    public static bool IsKustomizationFile(string name) => name is "kustomization.yaml" or "kustomization.yml" or "Kustomization";

    public static Manifest Kustomization(string folder) =>
        Load(Directory.EnumerateFiles(folder).Single(f => IsKustomizationFile(Path.GetFileName(f)))).Single();

    /// <summary>Every path a kustomization refers to (resources, components, patches), as written.</summary>
    public static IEnumerable<(string Field, string Path)> References(Manifest kustomization)
    {
        foreach (var field in new[] { "resources", "components", "bases", "patchesStrategicMerge" })
        {
            foreach (var item in kustomization.Root[field].Items.Where(i => i.Text is not null))
            {
                yield return (field, item.Text!);
            }
        }

        foreach (var patch in kustomization.Root["patches"].Items.Concat(kustomization.Root["patchesJson6902"].Items).Where(p => p["path"].Text is not null))
        {
            yield return ("patches", patch["path"].Text!);
        }
    }
}

/// <summary>The node StatefulSet as one kustomization (base or overlay) renders it: the subset of kustomize these tests need.</summary>
public sealed record NodeSet(string Kustomization, string Namespace, int Replicas, Manifest StatefulSet, IReadOnlyList<Y> Env)
{
    public string Name => StatefulSet.Name!;

    public string? ServiceName => StatefulSet.Root["spec"]["serviceName"].Text;

    /// <summary>The plain value of an env entry (null when it is absent or comes from valueFrom).</summary>
    public string? Value(string name) => Env.FirstOrDefault(e => e["name"].Text == name)?["value"].Text;

    /// <summary>Renders a kustomization folder: resources (recursively), then patches (env entries merge by name), then `replicas:`.</summary>
    public static NodeSet Render(string folder)
    {
        var kustomization = DeployFiles.Kustomization(folder);
        NodeSet? set = null;
        foreach (var resource in kustomization.Root["resources"].Items.Select(r => Path.GetFullPath(Path.Combine(folder, r.Text!))))
        {
            if (Directory.Exists(resource))
            {
                set = Render(resource);
            }
            else if (File.Exists(resource) && DeployFiles.Load(resource).FirstOrDefault(IsNodeStatefulSet) is { } statefulSet)
            {
                set = new NodeSet(kustomization.File, "default", statefulSet.Root["spec"]["replicas"].Number ?? 1, statefulSet, Container(statefulSet.Root)["env"].Items);
            }
        }

        if (set is null)
        {
            throw new InvalidDataException($"{kustomization.File}: no StatefulSet of nodes (a container with Cluster__* env entries) among its resources");
        }

        set = set with { Kustomization = kustomization.File, Namespace = kustomization.Root["namespace"].Text ?? set.Namespace };
        var patches = DeployFiles.References(kustomization).Where(r => r.Field is "patches" or "patchesStrategicMerge")
            .SelectMany(r => DeployFiles.Load(Path.GetFullPath(Path.Combine(folder, r.Path))))
            .Where(p => p.Kind == "StatefulSet" && p.Name == set.Name);
        foreach (var patch in patches)
        {
            var env = set.Env.ToList();
            var baseContainer = Container(set.StatefulSet.Root)["name"].Text;
            foreach (var entry in patch.Root["spec"]["template"]["spec"]["containers"].Named(baseContainer!)["env"].Items)
            {
                var at = env.FindIndex(e => e["name"].Text == entry["name"].Text);
                if (at >= 0)
                {
                    env[at] = entry;
                }
                else
                {
                    env.Add(entry);
                }
            }

            set = set with { Env = env, Replicas = patch.Root["spec"]["replicas"].Number ?? set.Replicas };
        }

        foreach (var replicas in kustomization.Root["replicas"].Items.Where(r => r["name"].Text == set.Name))
        {
            set = set with { Replicas = replicas["count"].Number ?? set.Replicas };
        }

        return set;
    }

    public static bool IsNodeStatefulSet(Manifest m) =>
        m.Kind == "StatefulSet" && Container(m.Root)["env"].Items.Any(e => e["name"].Text?.StartsWith("Cluster__", StringComparison.Ordinal) == true);

    /// <summary>The first container of a workload's pod template (the node's StatefulSet has one).</summary>
    public static Y Container(Y workload) => workload["spec"]["template"]["spec"]["containers"].Items is [var first, ..] ? first : new Y(null, $"{workload.Where} spec.template.spec.containers[0]");
}

/// <summary>A Dockerfile as instructions (continuation lines joined, comments dropped), numbered by build stage.</summary>
public sealed record DockerInstruction(int Stage, string Keyword, string Arguments);

public static class Dockerfile
{
    public static IReadOnlyList<DockerInstruction> Parse(string text)
    {
        var instructions = new List<DockerInstruction>();
        var stage = -1;
        var pending = "";
        foreach (var raw in text.Split('\n').Select(l => l.TrimEnd('\r')))
        {
            var line = raw.Trim();
            if (line.StartsWith('#') || (line.Length == 0 && pending.Length == 0))
            {
                continue;
            }

            if (line.EndsWith('\\'))
            {
                pending += line[..^1] + " ";
                continue;
            }

            line = pending + line;
            pending = "";
            var space = line.IndexOf(' ', StringComparison.Ordinal);
            var keyword = (space < 0 ? line : line[..space]).ToUpperInvariant();
            if (keyword == "FROM")
            {
                stage++;
            }

            instructions.Add(new DockerInstruction(stage, keyword, space < 0 ? "" : line[(space + 1)..].Trim()));
        }

        return instructions;
    }
}
