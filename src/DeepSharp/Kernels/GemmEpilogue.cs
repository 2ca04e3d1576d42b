namespace DeepSharp.Kernels;

/// <summary>
/// Work a GEMM's caller wants done on each finished rectangle of C while it is still in cache (a Dense layer's bias
/// and activation): <c>Function(State, row0, row1, column0, column1)</c> once per rectangle of C (its coordinates,
/// rows and columns [first, last)), on the thread that computed it, after the rectangle's last k block. The
/// rectangles tile C exactly once. The default value does nothing.
/// </summary>
internal readonly unsafe struct GemmEpilogue(delegate*<void*, int, int, int, int, void> function, void* state)
{
    /// <summary>The most floats of C a rectangle with an epilogue holds, so that the epilogue finds it in L2 (128 KB).</summary>
    internal const int RectangleFloats = 1 << 15;

    private readonly delegate*<void*, int, int, int, int, void> _function = function;
    private readonly void* _state = state;

    /// <summary>Whether there is work to do.</summary>
    public bool IsSome => _function != null;

    /// <summary>Runs the work on rows [row0, row1) × columns [column0, column1) of C.</summary>
    public void Run(int row0, int row1, int column0, int column1) => _function(_state, row0, row1, column0, column1);
}
