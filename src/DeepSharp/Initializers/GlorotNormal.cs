using System.Text.Json.Nodes;

namespace DeepSharp;

/// <summary>Glorot (Xavier) normal: truncated normal with std √(2 / (fanIn + fanOut)).</summary>
public sealed class GlorotNormal(long? seed = null) : VarianceScaling(1.0, FanMode.FanAvg, ScalingDistribution.TruncatedNormal, seed)
{
    /// <inheritdoc/>
    public override string Name => "glorot_normal";

    /// <inheritdoc/>
    public override JsonObject GetConfig() => new() { ["seed"] = Seed };
}
