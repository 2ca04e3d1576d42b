namespace DeepSharp.Examples;

/// <summary>What <see cref="SampleQuality"/> measured on a batch of generated images.</summary>
/// <param name="Count">Images measured.</param>
/// <param name="MeanTopProbability">The classifier's mean probability of its chosen class.</param>
/// <param name="ClassShares">The fraction of images assigned to each class.</param>
/// <param name="FrechetDistance">The Fréchet distance of their features to the real images'.</param>
public sealed record SampleQualityReport(int Count, double MeanTopProbability, IReadOnlyList<double> ClassShares, double FrechetDistance)
{
    /// <summary>The smallest class share (a collapsed generator leaves some classes near 0).</summary>
    public double MinClassShare => ClassShares.Count == 0 ? 0 : ClassShares.Min();
}
