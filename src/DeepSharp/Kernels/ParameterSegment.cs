namespace DeepSharp.Kernels;

/// <summary>
/// One variable's arrays for <see cref="ParameterUpdateKernel.RunMany{TOp}"/>: the weight, its gradient and up to three
/// state arrays (null when the update does not use them), all <see cref="Length"/> floats.
/// </summary>
internal unsafe struct ParameterSegment
{
    public float* Weight, Gradient, State0, State1, State2;
    public int Length;
}
