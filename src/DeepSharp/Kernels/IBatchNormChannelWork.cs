namespace DeepSharp.Kernels;

/// <summary>
/// What batch normalization makes of each channel's moments (forward) or gradient sums (backward), given to
/// <see cref="BatchNorm"/>'s passes to run on each range of channels once its sums are in.
/// </summary>
internal interface IBatchNormChannelWork
{
    /// <summary>The work on channels [<paramref name="first"/>, <paramref name="end"/>).</summary>
    void Run(int first, int end);
}
