namespace DeepSharp;

/// <summary>The distribution a <see cref="VarianceScaling"/> initializer draws from.</summary>
public enum ScalingDistribution
{
    /// <summary>Normal truncated at two standard deviations (rescaled to keep the variance).</summary>
    TruncatedNormal,
    /// <summary>Plain normal.</summary>
    UntruncatedNormal,
    /// <summary>Uniform.</summary>
    Uniform,
}
