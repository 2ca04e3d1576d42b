namespace DeepSharp.Kernels;

/// <summary>
/// One variable of an update over many at once (<see cref="ParameterUpdateKernel.RunAll{TOp}"/>): where its weight,
/// gradient and up to three state arrays start (null for state an update does not use), and how many floats each holds.
/// </summary>
internal unsafe struct ParameterUpdateTarget
{
    public float* Weight, Gradient, State0, State1, State2;
    public int Length;
}
