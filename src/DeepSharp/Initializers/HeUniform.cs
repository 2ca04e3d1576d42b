using System.Text.Json.Nodes;

namespace DeepSharp;

/// <summary>He uniform: limit √(6 / fanIn), for ReLU networks.</summary>
public sealed class HeUniform(long? seed = null) : VarianceScaling(2.0, FanMode.FanIn, ScalingDistribution.Uniform, seed)
{
    /// <inheritdoc/>
    public override string Name => "he_uniform";

    /// <inheritdoc/>
    public override JsonObject GetConfig() => new() { ["seed"] = Seed };
}
