using System.Numerics.Tensors;

namespace DeepSharp;

/// <summary>
/// The arithmetic behind metrics: counts and sums over a batch, read without building a graph. Metrics
/// call these instead of touching tensor memory.
/// </summary>
internal static class MetricValues
{
    /// <summary>Rows of <paramref name="predictions"/> [rows, classes] whose arg-max equals the label.</summary>
    internal static long CountArgMaxEqualsLabel(Tensor labels, Tensor predictions)
    {
        int classes = predictions.Shape[-1];
        var p = ContiguousOperand.Of(predictions);
        var y = ContiguousOperand.Of(labels);
        ReadOnlySpan<float> ps = p.Span, ys = y.Span;
        int rows = ps.Length / classes;
        CheckRows(ys.Length, rows, labels, predictions);
        long correct = 0;
        for (int r = 0; r < rows; r++)
            if (TensorPrimitives.IndexOfMax(ps.Slice(r * classes, classes)) == (int)ys[r]) correct++;
        ContiguousOperand.Release(p, predictions);
        ContiguousOperand.Release(y, labels);
        return correct;
    }

    /// <summary>Rows where the arg-max of the targets equals the arg-max of the predictions.</summary>
    internal static long CountArgMaxMatches(Tensor targets, Tensor predictions)
    {
        int classes = predictions.Shape[-1];
        var p = ContiguousOperand.Of(predictions);
        var t = ContiguousOperand.Of(targets);
        ReadOnlySpan<float> ps = p.Span, ts = t.Span;
        int rows = ps.Length / classes;
        CheckRows(ts.Length / Math.Max(1, classes), rows, targets, predictions);
        long correct = 0;
        for (int r = 0; r < rows; r++)
            if (TensorPrimitives.IndexOfMax(ps.Slice(r * classes, classes)) == TensorPrimitives.IndexOfMax(ts.Slice(r * classes, classes))) correct++;
        ContiguousOperand.Release(p, predictions);
        ContiguousOperand.Release(t, targets);
        return correct;
    }

    /// <summary>Rows whose label is among the <paramref name="k"/> largest predictions (ties counted in, as Keras' in_top_k).</summary>
    internal static long CountLabelInTopK(Tensor labels, Tensor predictions, int k, bool labelsAreOneHot)
    {
        int classes = predictions.Shape[-1];
        var p = ContiguousOperand.Of(predictions);
        var y = ContiguousOperand.Of(labels);
        ReadOnlySpan<float> ps = p.Span, ys = y.Span;
        int rows = ps.Length / classes;
        long hits = 0;
        for (int r = 0; r < rows; r++)
        {
            var row = ps.Slice(r * classes, classes);
            int label = labelsAreOneHot ? TensorPrimitives.IndexOfMax(ys.Slice(r * classes, classes)) : (int)ys[r];
            if ((uint)label >= (uint)classes) continue;
            float target = row[label];
            int larger = 0;
            for (int j = 0; j < classes; j++) if (row[j] > target) larger++;
            if (larger < k) hits++;
        }
        ContiguousOperand.Release(p, predictions);
        ContiguousOperand.Release(y, labels);
        return hits;
    }

    /// <summary>Elements where the thresholded prediction (1 if above <paramref name="threshold"/>, else 0) equals the target, as Keras.</summary>
    internal static long CountBinaryMatches(Tensor targets, Tensor predictions, float threshold)
    {
        var p = ContiguousOperand.Of(predictions);
        var t = ContiguousOperand.Of(targets);
        ReadOnlySpan<float> ps = p.Span, ts = t.Span;
        if (ts.Length != ps.Length)
            throw new ArgumentException($"binary_accuracy: y_true has shape {targets.Shape} but y_pred has shape {predictions.Shape}.");
        long correct = 0;
        for (int i = 0; i < ps.Length; i++) if ((ps[i] > threshold ? 1f : 0f) == ts[i]) correct++;
        ContiguousOperand.Release(p, predictions);
        ContiguousOperand.Release(t, targets);
        return correct;
    }

    /// <summary>Σ (p − t)² or Σ |p − t| over all elements, in double.</summary>
    internal static double SumOfErrors(Tensor targets, Tensor predictions, bool squared)
    {
        var p = ContiguousOperand.Of(predictions);
        var t = ContiguousOperand.Of(targets);
        ReadOnlySpan<float> ps = p.Span, ts = t.Span;
        if (ts.Length != ps.Length)
            throw new ArgumentException($"{(squared ? "mean_squared_error" : "mean_absolute_error")}: y_true has shape {targets.Shape} but y_pred has shape {predictions.Shape}.");
        double sum = 0;
        for (int i = 0; i < ps.Length; i++)
        {
            double e = ps[i] - ts[i];
            sum += squared ? e * e : Math.Abs(e);
        }
        ContiguousOperand.Release(p, predictions);
        ContiguousOperand.Release(t, targets);
        return sum;
    }

    private static void CheckRows(int labelRows, int predictionRows, Tensor labels, Tensor predictions)
    {
        if (labelRows != predictionRows)
            throw new ArgumentException($"accuracy: y_true has shape {labels.Shape} but y_pred has shape {predictions.Shape}; expected one target per prediction row.");
    }
}
