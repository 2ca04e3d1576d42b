using System.Text.Json.Nodes;

namespace DeepSharp;

/// <summary>LeCun uniform: limit √(3 / fanIn).</summary>
public sealed class LecunUniform(long? seed = null) : VarianceScaling(1.0, FanMode.FanIn, ScalingDistribution.Uniform, seed)
{
    /// <inheritdoc/>
    public override string Name => "lecun_uniform";

    /// <inheritdoc/>
    public override JsonObject GetConfig() => new() { ["seed"] = Seed };
}
