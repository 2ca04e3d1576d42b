namespace DeepSharp;

public static partial class Ops
{
    /// <summary>
    /// Sets <paramref name="count"/> values of a contiguous tensor, from flat position <paramref name="start"/>, to
    /// <paramref name="value"/>, in place and outside the graph: how a layer gives part of a new weight its own
    /// starting value (an LSTM's forget-gate bias of one).
    /// </summary>
    internal static void FillRange(Tensor destination, int start, int count, float value)
    {
        destination.ThrowIfDisposed();
        if (!destination._isContiguous || start < 0 || count < 0 || start + count > destination._size)
            throw new ArgumentException(
                $"FillRange: values {start} to {start + count} do not lie in the contiguous tensor of shape {destination._shape}.", nameof(destination));
        destination.Span.Slice(start, count).Fill(value);
    }
}
