namespace DeepSharp;

/// <summary>Which fan a <see cref="VarianceScaling"/> initializer divides by.</summary>
public enum FanMode
{
    /// <summary>The number of inputs.</summary>
    FanIn,
    /// <summary>The number of outputs.</summary>
    FanOut,
    /// <summary>Their mean.</summary>
    FanAvg,
}
