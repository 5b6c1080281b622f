namespace MimecastActors.IntegrationTests.Mimecast;

/// <summary>Tests that measure the whole process (allocations, memory) run alone, after the parallel ones.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class MeasuredAlone
{
    public const string Name = "measured alone";
}
