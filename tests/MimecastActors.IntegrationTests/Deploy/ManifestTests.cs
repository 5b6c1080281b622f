using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using System.Xml.Linq;

using MimecastActors.IntegrationTests.Node;

namespace MimecastActors.IntegrationTests.Deploy;

/// <summary>
/// The Kubernetes manifests and the Dockerfile under deploy/, read as files (no cluster, no kustomize, no docker here):
/// what a MimecastActors cluster needs to form and hold together. Each message says which file and key is wrong.
/// </summary>
public sealed partial class ManifestTests
{
    // The node's own defaults, mirrored from src/MimecastActors.Host/NodeConfiguration.cs (StatefulSetConfig) for keys a
    // manifest may leave out. The seed address format mirrors StatefulSetConfig.SeedNodes.
    private const string DefaultDomain = "cluster.local";
    private const int DefaultSeeds = 3;

    private static readonly string[] SecretKeys = ["ClientSecret", "IntakeKey", "ConnectionString", "Token", "Password", "Secrets__Key", "Secrets.Key"];

    private static IReadOnlyList<Manifest> Base => [.. DeployFiles.All.Where(m => m.File.StartsWith("deploy/base/", StringComparison.Ordinal))];

    private static Manifest NodeStatefulSet => Base.Where(NodeSet.IsNodeStatefulSet).Should().ContainSingle(
        "deploy/base must hold exactly one StatefulSet of nodes (a container with Cluster__* env entries)").Subject;

    private static Y Pod => NodeStatefulSet.Root["spec"]["template"];

    private static Y NodeContainer => NodeSet.Container(NodeStatefulSet.Root);

    private static Manifest HeadlessService
    {
        get
        {
            var serviceName = NodeStatefulSet.Root["spec"]["serviceName"].Text;
            return Base.Where(m => m.Kind == "Service" && m.Name == serviceName).Should().ContainSingle(
                $"{NodeStatefulSet.File}: spec.serviceName `{serviceName}` must name a Service of deploy/base (the headless Service that gives the pods their DNS names)").Subject;
        }
    }

    private static Manifest SecretExample => DeployFiles.All.Where(m => m.File.EndsWith("secret.example.yaml", StringComparison.Ordinal)).Should().ContainSingle(
        "deploy/base/secret.example.yaml holds the example Secret").Subject;

    private static IReadOnlyList<NodeSet> Rendered => [.. DeployFiles.KustomizationFolders.Select(NodeSet.Render)];

    private static IReadOnlyList<DockerInstruction> DockerfileInstructions =>
        Dockerfile.Parse(File.ReadAllText(Path.Combine(DeployFiles.Folder, "Dockerfile")));

    [Fact]
    public void Every_yaml_file_parses_and_every_object_has_a_kind_and_a_name()
    {
        DeployFiles.YamlFiles.Should().NotBeEmpty("deploy/ holds the Kubernetes manifests");
        foreach (var manifest in DeployFiles.All)
        {
            manifest.Root["apiVersion"].Text.Should().NotBeNullOrEmpty($"{manifest.File}: every document needs an apiVersion");
            manifest.Kind.Should().NotBeNullOrEmpty($"{manifest.File}: every document needs a kind");
            if (manifest.Kind != "Kustomization")
            {
                manifest.Name.Should().NotBeNullOrEmpty($"{manifest.File}: a {manifest.Kind} needs metadata.name");
            }
        }
    }

    [Fact]
    public void Every_kustomization_refers_to_files_that_exist_and_every_manifest_is_used()
    {
        var used = new HashSet<string>(StringComparer.Ordinal);
        foreach (var folder in DeployFiles.KustomizationFolders)
        {
            var kustomization = DeployFiles.Kustomization(folder);
            foreach (var (field, path) in DeployFiles.References(kustomization))
            {
                var full = Path.GetFullPath(Path.Combine(folder, path));
                var exists = File.Exists(full) || (Directory.Exists(full) && Directory.EnumerateFiles(full).Any(f => DeployFiles.IsKustomizationFile(Path.GetFileName(f))));
                exists.Should().BeTrue($"{kustomization.File}: {field} lists `{path}`, which is neither a file nor a folder with a kustomization.yaml");
                used.Add(DeployFiles.Show(full));
            }

            kustomization.Root["namePrefix"].Exists.Should().BeFalse(
                $"{kustomization.File}: namePrefix renames the StatefulSet and the Service but not the node's env (Cluster__StatefulSet__Name/Service, Cluster__Hostname), so no seed would resolve");
            kustomization.Root["nameSuffix"].Exists.Should().BeFalse($"{kustomization.File}: nameSuffix breaks the seed names for the same reason as namePrefix");
        }

        var secretExample = SecretExample.File;
        used.Should().NotContain(secretExample, $"{secretExample} is an example with placeholders: no kustomization may apply it");
        foreach (var file in DeployFiles.YamlFiles.Select(DeployFiles.Show).Where(f => !DeployFiles.IsKustomizationFile(Path.GetFileName(f)) && f != secretExample))
        {
            used.Should().Contain(file, $"{file} is listed by no kustomization (resources or patches), so it is never deployed");
        }
    }

    [Fact]
    public void The_statefulset_is_governed_by_a_headless_service_that_publishes_not_ready_pods()
    {
        var service = HeadlessService.Root;
        service["spec"]["clusterIP"].Text.Should().Be("None", $"{service["spec"]["clusterIP"]}: the Service of the StatefulSet must be headless, so that each pod gets its own DNS name");
        service["spec"]["publishNotReadyAddresses"].Text.Should().Be("true",
            $"{service["spec"]["publishNotReadyAddresses"]}: a pod is ready only once it is an Up member, which needs the seeds' names to resolve before they are ready");
        NodeStatefulSet.Root["spec"]["podManagementPolicy"].Text.Should().Be("Parallel",
            $"{NodeStatefulSet.File}: spec.podManagementPolicy must be Parallel; OrderedReady would wait for pod 0 to be ready, which it is not before Cluster__MinimumMembers have joined");
    }

    [Fact]
    public void Every_selector_matches_the_pod_labels()
    {
        var podLabels = Pod["metadata"]["labels"].Strings;
        podLabels.Should().NotBeEmpty($"{Pod["metadata"]["labels"]}: the pod template needs labels");

        void Selects(Y selector, string what)
        {
            var labels = selector.Strings;
            labels.Should().NotBeEmpty($"{selector}: {what} must select the node pods by label");
            foreach (var (key, value) in labels)
            {
                podLabels.GetValueOrDefault(key).Should().Be(value, $"{selector}: {what} selects {key}={value}, but the pod template ({Pod["metadata"]["labels"]}) has {key}={podLabels.GetValueOrDefault(key) ?? "nothing"}");
            }
        }

        Selects(NodeStatefulSet.Root["spec"]["selector"]["matchLabels"], "the StatefulSet");
        Selects(HeadlessService.Root["spec"]["selector"], "the headless Service");

        var budgets = Base.Where(m => m.Kind == "PodDisruptionBudget").ToList();
        budgets.Should().ContainSingle("deploy/base holds one PodDisruptionBudget for the nodes");
        Selects(budgets[0].Root["spec"]["selector"]["matchLabels"], "the PodDisruptionBudget");
        budgets[0].Root["spec"]["maxUnavailable"].Number.Should().Be(1, $"{budgets[0].File}: spec.maxUnavailable must be 1 — nodes leave one at a time, the others keep the majority");

        var antiAffinity = Pod["spec"]["affinity"]["podAntiAffinity"];
        var terms = antiAffinity["requiredDuringSchedulingIgnoredDuringExecution"].Items
            .Concat(antiAffinity["preferredDuringSchedulingIgnoredDuringExecution"].Items.Select(p => p["podAffinityTerm"])).ToList();
        terms.Should().NotBeEmpty($"{antiAffinity}: the nodes need a pod anti-affinity, so that one machine lost is one member lost");
        foreach (var term in terms)
        {
            Selects(term["labelSelector"]["matchLabels"], "the pod anti-affinity");
            term["topologyKey"].Text.Should().NotBeNullOrEmpty($"{term}: topologyKey is required");
        }
    }

    [Fact]
    public void Ports_agree_between_the_node_configuration_the_container_the_service_and_the_image()
    {
        var env = NodeContainer["env"];
        var clusterPort = env.Named("Cluster__Port")["value"].Number;
        clusterPort.Should().NotBeNull($"{env.Named("Cluster__Port")}: set Cluster__Port explicitly, it is the remoting port every seed address carries");
        var adminUrls = env.Named("Admin__Urls")["value"].Text;
        adminUrls.Should().NotBeNull($"{env.Named("Admin__Urls")}: set Admin__Urls explicitly (http://0.0.0.0:PORT): probes and metrics use it");
        var adminUris = adminUrls!.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(u => new Uri(u)).ToList();
        adminUris.Should().Contain(u => u.Host == "0.0.0.0" || u.Host == "[::]",
            $"Admin__Urls `{adminUrls}` must listen on every interface: the kubelet probes the pod's IP, not 127.0.0.1");
        var adminPort = adminUris[0].Port;
        env.Named("Cluster__BindHostname")["value"].Text.Should().Be("0.0.0.0",
            $"{env.Named("Cluster__BindHostname")}: remoting must listen on every interface; the pod's DNS name (Cluster__Hostname) resolves to its IP, not to 127.0.0.1");

        var ports = NodeContainer["ports"];
        ports.Named("remoting")["containerPort"].Number.Should().Be(clusterPort, $"{ports.Named("remoting")}: the container port `remoting` must be Cluster__Port ({clusterPort})");
        ports.Named("admin")["containerPort"].Number.Should().Be(adminPort, $"{ports.Named("admin")}: the container port `admin` must be the port of Admin__Urls `{adminUrls}`");

        foreach (var (name, expected) in new[] { ("remoting", clusterPort), ("admin", adminPort) })
        {
            var port = HeadlessService.Root["spec"]["ports"].Named(name);
            port["port"].Number.Should().Be(expected, $"{port}: the Service port `{name}` must be {expected}, as the node uses it");
            ResolvePort(port["targetPort"]).Should().Be(expected, $"{port}: targetPort must reach the container port {expected} (by name `{name}` or number)");
        }

        var exposed = DockerfileInstructions.Where(i => i.Keyword == "EXPOSE").SelectMany(i => i.Arguments.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Select(p => p.Split('/')[0]).ToList();
        exposed.Should().Contain(clusterPort!.Value.ToString(CultureInfo.InvariantCulture), $"deploy/Dockerfile must EXPOSE the remoting port {clusterPort}");
        exposed.Should().Contain(adminPort.ToString(CultureInfo.InvariantCulture), $"deploy/Dockerfile must EXPOSE the admin port {adminPort}");
    }

    [Fact]
    public void Probes_hit_the_health_endpoints_on_the_admin_port()
    {
        var adminPort = NodeContainer["ports"].Named("admin")["containerPort"].Number;
        foreach (var (probe, path) in new[] { ("livenessProbe", "/healthz/live"), ("readinessProbe", "/healthz/ready") })
        {
            var get = NodeContainer[probe]["httpGet"];
            get.Exists.Should().BeTrue($"{NodeContainer[probe]}: the node needs an HTTP {probe} on {path}");
            get["path"].Text.Should().Be(path, $"{get["path"]}: the node serves {probe} on {path}");
            ResolvePort(get["port"]).Should().Be(adminPort, $"{get["port"]}: the health endpoints are on the admin port {adminPort} (Admin__Urls)");
        }

        if (NodeContainer["startupProbe"].Exists)
        {
            NodeContainer["startupProbe"]["httpGet"]["path"].Text.Should().Be("/healthz/live", $"{NodeContainer["startupProbe"]}: a startup probe checks liveness, not readiness");
        }
    }

    [Fact]
    public void Every_pod_advertises_the_address_that_the_seeds_are_built_from()
    {
        var service = HeadlessService.Name;
        foreach (var set in Rendered)
        {
            var where = $"{set.Kustomization} (rendered)";
            var envNames = set.Env.Select(e => e["name"].Text).ToList();
            envNames.Should().OnlyHaveUniqueItems($"{where}: an env entry is defined twice");
            envNames.Should().NotContain(n => n != null && n.StartsWith("Cluster__SeedNodes", StringComparison.Ordinal),
                $"{where}: Cluster__SeedNodes would replace the StatefulSet's seeds");
            Downward(set, "POD_NAME").Should().Be("metadata.name", $"{where}: POD_NAME must come from the downward API (fieldRef metadata.name)");
            Downward(set, "POD_NAMESPACE").Should().Be("metadata.namespace", $"{where}: POD_NAMESPACE must come from the downward API (fieldRef metadata.namespace)");

            set.Value("Cluster__StatefulSet__Name").Should().Be(set.Name, $"{where}: Cluster__StatefulSet__Name must be the StatefulSet's metadata.name, the prefix of its pods' names");
            set.Value("Cluster__StatefulSet__Service").Should().Be(set.ServiceName, $"{where}: Cluster__StatefulSet__Service must be the StatefulSet's serviceName, the Service its pods' DNS names hang under");
            set.ServiceName.Should().Be(service, $"{where}: the StatefulSet's serviceName must be the headless Service");
            set.Replicas.Should().BeGreaterThanOrEqualTo(1, $"{where}: replicas");
            var minimum = int.Parse(set.Value("Cluster__MinimumMembers") ?? "1", CultureInfo.InvariantCulture);
            var majority = (set.Replicas / 2) + 1;
            minimum.Should().BeInRange(1, majority,
                $"{where}: Cluster__MinimumMembers {minimum} must be at most {majority}, the smallest majority of the {set.Replicas} replicas: the shard coordinator "
                + "answers only once that many nodes have registered, also when it starts again after its node was lost");
            var seeds = int.Parse(set.Value("Cluster__StatefulSet__Seeds") ?? DefaultSeeds.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);
            seeds.Should().BeGreaterThanOrEqualTo(1, $"{where}: Cluster__StatefulSet__Seeds");
            var port = set.Value("Cluster__Port");

            for (var i = 0; i < set.Replicas; i++)
            {
                var pod = new Dictionary<string, string>(StringComparer.Ordinal) { ["POD_NAME"] = $"{set.Name}-{i}", ["POD_NAMESPACE"] = set.Namespace };
                var hostname = Expand(set, "Cluster__Hostname", pod);
                var statefulSetName = Expand(set, "Cluster__StatefulSet__Name", pod) ?? "";
                var seedService = Expand(set, "Cluster__StatefulSet__Service", pod) ?? statefulSetName;
                var seedNamespace = Expand(set, "Cluster__StatefulSet__Namespace", pod) ?? "default";
                var domain = Expand(set, "Cluster__StatefulSet__Domain", pod) ?? DefaultDomain;
                seedNamespace.Should().Be(set.Namespace, $"{where}: Cluster__StatefulSet__Namespace must be the namespace the pods run in (use $(POD_NAMESPACE))");

                // What Kubernetes gives the pod (its DNS name under the headless Service), what the pod advertises, and —
                // for the first pods — the seed address every node builds: all three must be the same name.
                var dnsName = $"{set.Name}-{i}.{service}.{set.Namespace}.svc.{domain}";
                hostname.Should().Be(dnsName, $"{where}: Cluster__Hostname of pod {i} must be its DNS name under the headless Service, the address other nodes reach it at");
                if (i < seeds)
                {
                    var seed = $"{statefulSetName}-{i}.{seedService}.{seedNamespace}.svc.{domain}";
                    seed.Should().Be(hostname, $"{where}: seed {i} `{seed}:{port}` must be exactly the address pod {i} advertises, or the first seed never recognises itself and joins no one");
                }
            }
        }
    }

    [Fact]
    public void Shutdown_has_time_to_hand_off_the_shards()
    {
        var grace = Pod["spec"]["terminationGracePeriodSeconds"];
        grace.Number.Should().BeGreaterThanOrEqualTo(30,
            $"{grace}: after SIGTERM the node hands off its shards and leaves the cluster (a few seconds); a kill before that counts as a crash");
    }

    [Fact]
    public void The_configmap_carries_the_repository_akka_hocon_and_the_node_reads_it()
    {
        var repository = Normalize(File.ReadAllText(Path.Combine(RepositoryPaths.Root, "akka.hocon")));
        var holders = Base.Where(m => m.Kind == "ConfigMap" && m.Root["data"]["akka.hocon"].Exists).ToList();
        holders.Should().ContainSingle("one ConfigMap of deploy/base carries akka.hocon");
        var copy = Normalize(holders[0].Root["data"]["akka.hocon"].Text ?? "");
        if (copy != repository)
        {
            var (a, b) = (repository.Split('\n'), copy.Split('\n'));
            var line = Enumerable.Range(0, Math.Max(a.Length, b.Length)).First(i => i >= a.Length || i >= b.Length || a[i] != b[i]);
            copy.Should().Be(repository,
                $"{holders[0].File}: data.akka.hocon must be a copy of the repository's akka.hocon; they differ at line {line + 1}: `{(line < a.Length ? a[line] : "(end)")}` in akka.hocon, `{(line < b.Length ? b[line] : "(end)")}` in the ConfigMap");
        }

        // Mounted where the node reads it: next to its binary, in the image's WORKDIR.
        var workdir = DockerfileInstructions.Last(i => i.Keyword == "WORKDIR" && i.Stage == DockerfileInstructions.Max(s => s.Stage)).Arguments;
        var volume = Pod["spec"]["volumes"].Items.FirstOrDefault(v => v["configMap"]["name"].Text == holders[0].Name);
        volume.Should().NotBeNull($"{Pod["spec"]["volumes"]}: no volume of the ConfigMap {holders[0].Name}");
        var mount = NodeContainer["volumeMounts"].Items.FirstOrDefault(m => m["mountPath"].Text == $"{workdir}/akka.hocon");
        mount.Should().NotBeNull($"{NodeContainer["volumeMounts"]}: akka.hocon must be mounted onto {workdir}/akka.hocon (the image's WORKDIR, AppContext.BaseDirectory), where the node reads it");
        mount!["name"].Text.Should().Be(volume!["name"].Text, $"{mount}: mount the volume of ConfigMap {holders[0].Name}");
        mount["subPath"].Text.Should().Be("akka.hocon", $"{mount}: mount only the key akka.hocon (subPath), not the whole ConfigMap over the binary's folder");

        // The --config file is in a mounted ConfigMap too.
        var args = NodeContainer["args"].Items.Select(a => a.Text).ToList();
        var at = args.IndexOf("--config");
        at.Should().BeGreaterThanOrEqualTo(0, $"{NodeContainer["args"]}: pass the configuration file with --config");
        var configFile = args[at + 1]!;
        var configMount = NodeContainer["volumeMounts"].Items.FirstOrDefault(m =>
            m["subPath"].Exists ? m["mountPath"].Text == configFile : configFile.StartsWith(m["mountPath"].Text + "/", StringComparison.Ordinal));
        configMount.Should().NotBeNull($"{NodeContainer["args"]}: --config {configFile} is in no volume mount");
        var key = configMount!["subPath"].Text ?? configFile[(configMount["mountPath"].Text!.Length + 1)..];
        var configMapName = Pod["spec"]["volumes"].Named(configMount["name"].Text!)["configMap"]["name"].Text;
        Base.Should().Contain(m => m.Kind == "ConfigMap" && m.Name == configMapName && m.Root["data"][key].Exists,
            $"{configMount}: --config {configFile} must be the key `{key}` of a ConfigMap of deploy/base ({configMapName})");
    }

    [Fact]
    public void The_configmaps_hold_no_secret_and_the_json_configuration_parses()
    {
        var configMaps = DeployFiles.All.Where(m => m.Kind == "ConfigMap").ToList();
        configMaps.Should().NotBeEmpty();
        foreach (var configMap in configMaps)
        {
            foreach (var (key, value) in configMap.Root["data"].Entries)
            {
                SecretKeys.Should().NotContain(s => key.EndsWith(s, StringComparison.OrdinalIgnoreCase),
                    $"{value}: a ConfigMap is readable by anyone who can read the namespace; put `{key}` in the Secret");
                if (key.EndsWith(".json", StringComparison.Ordinal))
                {
                    JsonDocument document;
                    try
                    {
                        document = JsonDocument.Parse(value.Text ?? "", new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
                    }
                    catch (JsonException e)
                    {
                        throw new InvalidDataException($"{value}: not valid JSON: {e.Message}", e);
                    }

                    using (document)
                    {
                        foreach (var (path, text) in Strings(document.RootElement, "").Where(p => SecretKeys.Any(s => p.Path.EndsWith(s, StringComparison.OrdinalIgnoreCase))))
                        {
                            text.Should().BeEmpty($"{value}: `{path}` is a secret; leave it out of the ConfigMap and set it from the Secret (env {path.Replace(".", "__", StringComparison.Ordinal)})");
                        }
                    }
                }
            }
        }
    }

    [Fact]
    public void The_secret_example_holds_placeholders_only_and_fits_the_statefulset()
    {
        var secret = SecretExample.Root;
        SecretExample.Kind.Should().Be("Secret", $"{SecretExample.File}: kind");
        secret["data"].Exists.Should().BeFalse($"{secret["data"]}: use stringData in the example; base64 data hides whether a value is a placeholder");
        NodeContainer["envFrom"].Items.Select(e => e["secretRef"]["name"].Text).Should().Contain(SecretExample.Name,
            $"{NodeContainer["envFrom"]}: the StatefulSet must load the Secret the example describes ({SecretExample.Name}) with envFrom");

        var values = secret["stringData"].Entries;
        values.Should().NotBeEmpty($"{secret["stringData"]}: the example shows every secret key");
        foreach (var (key, value) in values)
        {
            var text = value.Text ?? "";
            if (text.Contains('=', StringComparison.Ordinal) && text.Contains(';', StringComparison.Ordinal))
            {
                // A connection string: who and where may be anything, but the credentials must be placeholders.
                foreach (var part in text.Split(';', StringSplitOptions.RemoveEmptyEntries).Select(p => p.Split('=', 2)))
                {
                    if (part[0].Trim() is var name && (name.Contains("password", StringComparison.OrdinalIgnoreCase) || name.Equals("pwd", StringComparison.OrdinalIgnoreCase)))
                    {
                        IsPlaceholder(part.ElementAtOrDefault(1) ?? "").Should().BeTrue($"{value}: the {name} in the example connection string must be a placeholder like <postgres-password>");
                    }
                }
            }
            else
            {
                IsPlaceholder(text).Should().BeTrue($"{value}: `{text}` looks like a real value; the example may hold only placeholders like \"<...>\" or \"CHANGE-ME\"");
            }
        }

        // Tenants__{i}__...: the i-th tenant of the configuration file, which cannot start without its two secrets.
        var json = Base.Where(m => m.Kind == "ConfigMap").SelectMany(m => m.Root["data"].Entries)
            .Where(e => e.Key.EndsWith(".json", StringComparison.Ordinal)).Should().ContainSingle("deploy/base carries one JSON configuration file").Subject.Value;
        using var document = JsonDocument.Parse(json.Text!, new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        var tenants = document.RootElement.TryGetProperty("Tenants", out var list) ? list.EnumerateArray().Select(t => t.GetProperty("Id").GetString()).ToList() : [];
        var keys = values.Select(v => v.Key).ToList();
        foreach (var key in keys.Where(k => k.StartsWith("Tenants__", StringComparison.Ordinal)))
        {
            var index = int.Parse(key.Split("__")[1], CultureInfo.InvariantCulture);
            index.Should().BeLessThan(tenants.Count, $"{secret["stringData"][key]}: there is no tenant {index} in {json}");
        }

        for (var i = 0; i < tenants.Count; i++)
        {
            keys.Should().Contain($"Tenants__{i}__Mimecast__ClientSecret", $"{secret["stringData"]}: tenant {i} ({tenants[i]}) of {json} cannot start without its client secret");
            keys.Should().Contain($"Tenants__{i}__Intake__IntakeKey", $"{secret["stringData"]}: tenant {i} ({tenants[i]}) of {json} cannot start without its intake key");
        }

        keys.Should().Contain("Persistence__ConnectionString", $"{secret["stringData"]}: the nodes share a PostgreSQL journal; its connection string (with a password) belongs in the Secret");
    }

    [Fact]
    public void The_pod_and_the_image_run_as_a_non_root_user()
    {
        var final = DockerfileInstructions.Max(i => i.Stage);
        var user = DockerfileInstructions.LastOrDefault(i => i.Keyword == "USER" && i.Stage == final)?.Arguments.Split(':')[0];
        user.Should().NotBeNull("deploy/Dockerfile: the runtime stage must switch to a non-root USER");
        (user is "root" or "0").Should().BeFalse($"deploy/Dockerfile: the runtime stage runs as USER {user}; switch to a non-root user");

        var security = Pod["spec"]["securityContext"];
        var runAsNonRoot = security["runAsNonRoot"].Text ?? NodeContainer["securityContext"]["runAsNonRoot"].Text;
        runAsNonRoot.Should().Be("true", $"{security}: set runAsNonRoot: true, so that Kubernetes refuses to start the node as root");
        var runAsUser = security["runAsUser"].Text ?? NodeContainer["securityContext"]["runAsUser"].Text;
        if (runAsUser is not null && int.TryParse(user, out _))
        {
            runAsUser.Should().Be(user, $"{security}: runAsUser must be the image's USER ({user}), who owns /app/data");
        }
    }

    [Fact]
    public void The_image_is_built_the_way_ci_publishes_and_restores_every_project_the_node_needs()
    {
        var final = DockerfileInstructions.Max(i => i.Stage);
        DockerfileInstructions.Where(i => i.Keyword == "FROM").Select(i => i.Arguments.Split(' ')[0]).Should().Contain(
            f => f.StartsWith("mcr.microsoft.com/dotnet/sdk:10.0", StringComparison.Ordinal), "deploy/Dockerfile builds with the .NET 10 SDK image");
        DockerfileInstructions.Last(i => i.Keyword == "FROM").Arguments.Should().StartWith("mcr.microsoft.com/dotnet/aspnet:10.0", "deploy/Dockerfile: the node needs ASP.NET Core at runtime");
        DockerfileInstructions.Should().Contain(i => i.Keyword == "RUN" && i.Arguments.Contains("dotnet publish src/MimecastActors.Host -c Release -o /app", StringComparison.Ordinal),
            "deploy/Dockerfile: publish the node with `dotnet publish src/MimecastActors.Host -c Release -o /app` (as .ci/run does)");
        File.ReadAllText(Path.Combine(RepositoryPaths.Root, ".ci", "run")).Should().Contain("dotnet publish src/MimecastActors.Host -c Release",
            ".ci/run must publish the node the way the Dockerfile does, so that CI catches a publish the image build would fail on");
        var entrypoint = DockerfileInstructions.LastOrDefault(i => i.Keyword == "ENTRYPOINT" && i.Stage == final)?.Arguments;
        entrypoint.Should().NotBeNull("deploy/Dockerfile: the runtime stage needs an ENTRYPOINT");
        JsonSerializer.Deserialize<string[]>(entrypoint!).Should().Equal(["dotnet", "mimecast-actors.dll", "run"],
            "deploy/Dockerfile: ENTRYPOINT [\"dotnet\", \"mimecast-actors.dll\", \"run\"] (exec form, so the node gets SIGTERM); the StatefulSet adds --config");

        // The restore layer copies project files one by one: a project the node references and the Dockerfile forgets
        // breaks the image build (here, where nothing builds the image).
        var copied = DockerfileInstructions.Where(i => i.Keyword == "COPY").SelectMany(i => i.Arguments.Split(' ', StringSplitOptions.RemoveEmptyEntries)).ToHashSet(StringComparer.Ordinal);
        foreach (var imported in Directory.GetFiles(RepositoryPaths.Root, "Directory.*").Select(Path.GetFileName))
        {
            // MSBuild imports these into every project: without one, the image's restore and publish differ from CI's.
            copied.Should().Contain(imported, $"deploy/Dockerfile: COPY {imported} with the project files; MSBuild imports it into every project");
        }

        foreach (var project in ProjectClosure(Path.Combine(RepositoryPaths.Root, "src", "MimecastActors.Host", "MimecastActors.Host.csproj")))
        {
            copied.Should().Contain(DeployFiles.Show(project),
                $"deploy/Dockerfile: the node needs {DeployFiles.Show(project)}; COPY it with the other project files before `dotnet restore`");
        }
    }

    [Fact]
    public void Overlays_retag_the_image_the_statefulset_runs()
    {
        var image = NodeContainer["image"].Text!;
        var name = image.Split('@')[0];
        name = name.LastIndexOf(':') > name.LastIndexOf('/') ? name[..name.LastIndexOf(':')] : name;
        foreach (var folder in DeployFiles.KustomizationFolders)
        {
            var kustomization = DeployFiles.Kustomization(folder);
            foreach (var entry in kustomization.Root["images"].Items)
            {
                entry["name"].Text.Should().Be(name, $"{entry["name"]}: kustomize replaces images by name; the StatefulSet runs `{image}`, so this entry would change nothing");
            }
        }
    }

    [Fact]
    public void The_dev_connection_string_points_at_the_dev_postgres()
    {
        var dev = Path.Combine(DeployFiles.Folder, "overlays", "dev");
        var kustomization = DeployFiles.Kustomization(dev);
        var generated = kustomization.Root["secretGenerator"].Items.ToDictionary(g => g["name"].Text!, g => g["literals"].Items
            .Select(l => l.Text!.Split('=', 2)).ToDictionary(p => p[0], p => p[1], StringComparer.Ordinal), StringComparer.Ordinal);
        var secretName = SecretExample.Name!;
        generated.Should().ContainKey(secretName, $"{kustomization.File}: the dev overlay generates the node's Secret ({secretName})");
        var connection = generated[secretName].GetValueOrDefault("Persistence__ConnectionString");
        connection.Should().NotBeNull($"{kustomization.File}: the dev Secret needs Persistence__ConnectionString");
        var parts = connection!.Split(';', StringSplitOptions.RemoveEmptyEntries).Select(p => p.Split('=', 2))
            .ToDictionary(p => p[0].Trim(), p => p[1].Trim(), StringComparer.OrdinalIgnoreCase);

        var manifests = DeployFiles.References(kustomization).Where(r => r.Field == "resources" && File.Exists(Path.Combine(dev, r.Path)))
            .SelectMany(r => DeployFiles.Load(Path.Combine(dev, r.Path))).ToList();
        var postgres = manifests.Where(m => m.Kind == "StatefulSet").Should().ContainSingle($"{kustomization.File}: the dev overlay runs one PostgreSQL StatefulSet").Subject;
        var service = manifests.Where(m => m.Kind == "Service" && m.Name == parts.GetValueOrDefault("Host")).Should().ContainSingle(
            $"{kustomization.File}: the connection string's Host `{parts.GetValueOrDefault("Host")}` must be the dev PostgreSQL Service").Subject;
        foreach (var (key, value) in postgres.Root["spec"]["template"]["metadata"]["labels"].Strings.Where(l => service.Root["spec"]["selector"].Strings.ContainsKey(l.Key)))
        {
            service.Root["spec"]["selector"].Strings[key].Should().Be(value, $"{service.File}: the Service must select the PostgreSQL pod");
        }

        service.Root["spec"]["ports"].Items.Select(p => p["port"].Text).Should().Contain(parts.GetValueOrDefault("Port") ?? "5432", $"{service.File}: the connection string's port");
        var server = generated.Values.FirstOrDefault(g => g.ContainsKey("POSTGRES_PASSWORD"));
        server.Should().NotBeNull($"{kustomization.File}: generate the dev PostgreSQL's POSTGRES_* settings");
        parts.GetValueOrDefault("Password").Should().Be(server!["POSTGRES_PASSWORD"], $"{kustomization.File}: the node's password must be the dev server's");
        parts.GetValueOrDefault("Username").Should().Be(server.GetValueOrDefault("POSTGRES_USER"), $"{kustomization.File}: the node's user must be the dev server's");
        parts.GetValueOrDefault("Database").Should().Be(server.GetValueOrDefault("POSTGRES_DB"), $"{kustomization.File}: the node's database must be the one the dev server creates");
    }

    private static int? ResolvePort(Y port) =>
        port.Number ?? NodeContainer["ports"].Named(port.Text ?? "")["containerPort"].Number;

    private static string? Downward(NodeSet set, string name) =>
        set.Env.FirstOrDefault(e => e["name"].Text == name)?["valueFrom"]["fieldRef"]["fieldPath"].Text;

    /// <summary>
    /// The value of an env entry as Kubernetes gives it to the process: $(VAR) replaced by the value of VAR when VAR is
    /// defined EARLIER in the list (or is a pod field given in <paramref name="pod"/>), left as it is otherwise.
    /// </summary>
    private static string? Expand(NodeSet set, string name, IReadOnlyDictionary<string, string> pod)
    {
        var known = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var entry in set.Env)
        {
            var entryName = entry["name"].Text!;
            string? value = entry["valueFrom"].Exists ? pod.GetValueOrDefault(entryName) : entry["value"].Text is { } raw
                ? Reference().Replace(raw, m => known.TryGetValue(m.Groups[1].Value, out var v) ? v : m.Value)
                : null;
            if (entryName == name)
            {
                return value;
            }

            if (value is not null)
            {
                known[entryName] = value;
            }
        }

        return null;
    }

    private static bool IsPlaceholder(string value) =>
        Placeholder().IsMatch(value) || value.Contains("CHANGE-ME", StringComparison.Ordinal);

    private static string Normalize(string text) => text.Replace("\r\n", "\n", StringComparison.Ordinal).TrimEnd('\n');

    private static IEnumerable<(string Path, string Text)> Strings(JsonElement element, string path) => element.ValueKind switch
    {
        JsonValueKind.Object => element.EnumerateObject().SelectMany(p => Strings(p.Value, path.Length == 0 ? p.Name : $"{path}.{p.Name}")),
        JsonValueKind.Array => element.EnumerateArray().SelectMany((e, i) => Strings(e, $"{path}.{i}")),
        JsonValueKind.String => [(path, element.GetString()!)],
        _ => [],
    };

    private static IEnumerable<string> ProjectClosure(string project)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var pending = new Stack<string>([Path.GetFullPath(project)]);
        while (pending.TryPop(out var next))
        {
            if (!seen.Add(next))
            {
                continue;
            }

            foreach (var reference in XDocument.Load(next).Descendants("ProjectReference"))
            {
                var include = reference.Attribute("Include")!.Value.Replace('\\', Path.DirectorySeparatorChar);
                pending.Push(Path.GetFullPath(Path.Combine(Path.GetDirectoryName(next)!, include)));
            }
        }

        return seen.Order(StringComparer.Ordinal);
    }

    [GeneratedRegex(@"\$\(([A-Za-z_][A-Za-z0-9_]*)\)")]
    private static partial Regex Reference();

    [GeneratedRegex("^<[^<>]+>$")]
    private static partial Regex Placeholder();
}
