using System.Text.Json.Nodes;

namespace DeepSharp;

/// <summary>He normal: truncated normal with std √(2 / fanIn), for ReLU networks.</summary>
public sealed class HeNormal(long? seed = null) : VarianceScaling(2.0, FanMode.FanIn, ScalingDistribution.TruncatedNormal, seed)
{
    /// <inheritdoc/>
    public override string Name => "he_normal";

    /// <inheritdoc/>
    public override JsonObject GetConfig() => new() { ["seed"] = Seed };
}
