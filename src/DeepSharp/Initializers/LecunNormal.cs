using System.Text.Json.Nodes;

namespace DeepSharp;

/// <summary>LeCun normal: truncated normal with std √(1 / fanIn), for SELU networks.</summary>
public sealed class LecunNormal(long? seed = null) : VarianceScaling(1.0, FanMode.FanIn, ScalingDistribution.TruncatedNormal, seed)
{
    /// <inheritdoc/>
    public override string Name => "lecun_normal";

    /// <inheritdoc/>
    public override JsonObject GetConfig() => new() { ["seed"] = Seed };
}
