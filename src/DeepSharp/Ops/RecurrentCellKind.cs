using DeepSharp.Kernels;

namespace DeepSharp;

/// <summary>The recurrent cells the fused sequence op runs; the value is the number of gates.</summary>
internal enum RecurrentCellKind
{
    SimpleRnn = 1,
    Gru = 3,
    Lstm = 4,
}

/// <summary>Kernel counterparts of <see cref="RecurrentCellKind"/>.</summary>
internal static class RecurrentCellKinds
{
    /// <summary>The cell the kernels' time loop runs for <paramref name="cell"/>.</summary>
    internal static RecurrentCell ToKernel(this RecurrentCellKind cell) => cell switch
    {
        RecurrentCellKind.Lstm => RecurrentCell.Lstm,
        RecurrentCellKind.Gru => RecurrentCell.Gru,
        _ => RecurrentCell.SimpleRnn,
    };
}
