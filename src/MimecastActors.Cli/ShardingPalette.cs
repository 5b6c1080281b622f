using System.CommandLine;

using Spectre.Console;

namespace MimecastActors.Cli;

/// <summary>`sharding regions|region-stats|shard-stats|locate`: how tenants are spread over the nodes.</summary>
internal static class ShardingPalette
{
    public static Command Create(NodeOptions node)
    {
        var regions = new Command("regions", "The shard regions (one: `tenant`) and their number of shards.");
        node.SetAction(regions, async (run, cancel) => run.Output.Print<List<RegionView>>(await run.Node.GetAsync("api/sharding/regions", cancel), list =>
        {
            var table = Output.Table("Region", "Shards");
            foreach (var region in list)
            {
                table.AddRow(Output.Cell(region.Name), Output.Cell(Output.Count(region.Shards)));
            }

            Output.Write(table);
        }));

        var regionStats = RegionArgument();
        var stats = new Command("region-stats", "Shards and tenants on each node of the cluster.") { regionStats };
        node.SetAction(stats, async (run, cancel) => run.Output.Print<List<RegionNodeStats>>(
            await run.Node.GetAsync($"api/sharding/regions/{AdminClient.Segment(run.Parse.GetValue(regionStats)!)}/stats", cancel), list =>
            {
                var table = Output.Table("Node", "Shards", "Tenants", "Failed");
                foreach (var share in list)
                {
                    table.AddRow(Output.Cell(share.Node), Output.Cell(Output.Count(share.Shards)), Output.Cell(Output.Count(share.Entities)),
                        Output.Cell(Output.Count(share.Failed), share.Failed > 0 ? Color.Red : null));
                }

                Output.Write(table);
            }));

        var shardRegion = RegionArgument();
        var shards = new Command("shard-stats", "The shards of the asked node, with their tenants.") { shardRegion };
        node.SetAction(shards, async (run, cancel) => run.Output.Print<NodeShards>(
            await run.Node.GetAsync($"api/sharding/regions/{AdminClient.Segment(run.Parse.GetValue(shardRegion)!)}/shards", cancel), held =>
            {
                Output.Fields(("Node", held.Node));
                var table = Output.Table("Shard", "Tenants");
                foreach (var shard in held.Shards)
                {
                    table.AddRow(Output.Cell(shard.Shard), Output.Cell(string.Join(", ", shard.Tenants)));
                }

                Output.Write(table);
            }));

        var tenant = new Argument<string>("tenant") { Description = "The tenant's id." };
        var locate = new Command("locate", "The shard of a tenant and the node it runs on.") { tenant };
        node.SetAction(locate, async (run, cancel) => run.Output.Print<TenantLocation>(
            await run.Node.GetAsync($"api/sharding/locate/{AdminClient.Segment(run.Parse.GetValue(tenant)!)}", cancel),
            where => Output.Fields(("Tenant", where.Tenant), ("Shard", where.Shard), ("Node", where.Node))));

        return new Command("sharding", "The tenant shard region: regions, shards and tenants per node, where a tenant runs.") { regions, stats, shards, locate };
    }

    private static Argument<string> RegionArgument() => new("region") { Description = "The shard region.", DefaultValueFactory = _ => "tenant" };
}
