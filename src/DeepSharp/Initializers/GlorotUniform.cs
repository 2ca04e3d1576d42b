using System.Text.Json.Nodes;

namespace DeepSharp;

/// <summary>Glorot (Xavier) uniform: limit √(6 / (fanIn + fanOut)). Keras' default for Dense and Conv kernels.</summary>
public sealed class GlorotUniform(long? seed = null) : VarianceScaling(1.0, FanMode.FanAvg, ScalingDistribution.Uniform, seed)
{
    /// <inheritdoc/>
    public override string Name => "glorot_uniform";

    /// <inheritdoc/>
    public override JsonObject GetConfig() => new() { ["seed"] = Seed };
}
