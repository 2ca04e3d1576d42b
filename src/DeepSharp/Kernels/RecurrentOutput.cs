namespace DeepSharp.Kernels;

/// <summary>
/// What a recurrent sequence returns, packed as [batch, slots, units]: the output of every step (zeros on masked
/// steps) or of the last, then the final states when asked (h, and c for the LSTM), copied from the time-major
/// states [steps + 1, batch, units] the loop leaves.
/// </summary>
internal unsafe struct RecurrentOutput
{
    public int Batch, Steps, Units, Slots;
    public bool ReturnSequences, ReturnState, CellState;

    /// <summary>Rows [first, end) of <paramref name="y"/> from the states <paramref name="hs"/> and <paramref name="cs"/>; <paramref name="mask"/> [batch, steps] or null.</summary>
    internal readonly void Write(float* y, float* hs, float* cs, float* mask, int first, int end)
    {
        long stepRows = (long)Batch * Units;
        for (int b = first; b < end; b++)
        {
            float* row = y + (long)b * Slots * Units;
            int slot = 0;
            if (ReturnSequences)
            {
                for (int s = 0; s < Steps; s++, slot++)
                {
                    var destination = new Span<float>(row + slot * Units, Units);
                    if (mask != null && mask[(long)b * Steps + s] == 0f) destination.Clear();
                    else new ReadOnlySpan<float>(hs + (s + 1) * stepRows + (long)b * Units, Units).CopyTo(destination);
                }
            }
            else
            {
                new ReadOnlySpan<float>(hs + Steps * stepRows + (long)b * Units, Units).CopyTo(new Span<float>(row, Units));
                slot++;
            }
            if (!ReturnState) continue;
            new ReadOnlySpan<float>(hs + Steps * stepRows + (long)b * Units, Units).CopyTo(new Span<float>(row + slot++ * Units, Units));
            if (CellState)
                new ReadOnlySpan<float>(cs + Steps * stepRows + (long)b * Units, Units).CopyTo(new Span<float>(row + slot * Units, Units));
        }
    }
}
