using System.Numerics.Tensors;

namespace DeepSharp;

/// <summary>
/// The arithmetic behind metrics: counts and sums over a batch, read without building a graph. Metrics
/// call these instead of touching tensor memory.
/// </summary>
internal static class MetricValues
{
    // Each count returns (numerator, denominator). Without sample weights: hits and rows (elements for the
    // elementwise ones), as before. With them, as Keras' weighted mean of per-sample values: a row's score (its hit,
    // or the mean over its last axis) times its sample's weight, over the sum of the weights; a sample that spans
    // several rows (a sequence) gives each of them its weight.

    /// <summary>Rows of <paramref name="predictions"/> [rows, classes] whose arg-max equals the label.</summary>
    internal static (double Numerator, double Denominator) CountArgMaxEqualsLabel(Tensor labels, Tensor predictions, Tensor? sampleWeight = null)
    {
        int classes = predictions.Shape[-1];
        var p = ContiguousOperand.Of(predictions);
        var y = ContiguousOperand.Of(labels);
        ReadOnlySpan<float> ps = p.Span, ys = y.Span;
        int rows = ps.Length / classes;
        CheckRows(ys.Length, rows, labels, predictions);
        var weights = new RowWeights(sampleWeight, rows, predictions);
        double correct = 0, seen = 0;
        for (int r = 0; r < rows; r++)
        {
            float w = weights[r];
            if (TensorPrimitives.IndexOfMax(ps.Slice(r * classes, classes)) == (int)ys[r]) correct += w;
            seen += w;
        }
        weights.Release();
        ContiguousOperand.Release(p, predictions);
        ContiguousOperand.Release(y, labels);
        return (correct, seen);
    }

    /// <summary>Rows where the arg-max of the targets equals the arg-max of the predictions.</summary>
    internal static (double Numerator, double Denominator) CountArgMaxMatches(Tensor targets, Tensor predictions, Tensor? sampleWeight = null)
    {
        int classes = predictions.Shape[-1];
        var p = ContiguousOperand.Of(predictions);
        var t = ContiguousOperand.Of(targets);
        ReadOnlySpan<float> ps = p.Span, ts = t.Span;
        int rows = ps.Length / classes;
        CheckRows(ts.Length / Math.Max(1, classes), rows, targets, predictions);
        var weights = new RowWeights(sampleWeight, rows, predictions);
        double correct = 0, seen = 0;
        for (int r = 0; r < rows; r++)
        {
            float w = weights[r];
            if (TensorPrimitives.IndexOfMax(ps.Slice(r * classes, classes)) == TensorPrimitives.IndexOfMax(ts.Slice(r * classes, classes))) correct += w;
            seen += w;
        }
        weights.Release();
        ContiguousOperand.Release(p, predictions);
        ContiguousOperand.Release(t, targets);
        return (correct, seen);
    }

    /// <summary>Rows whose label is among the <paramref name="k"/> largest predictions (ties counted in, as Keras' in_top_k).</summary>
    internal static (double Numerator, double Denominator) CountLabelInTopK(Tensor labels, Tensor predictions, int k, bool labelsAreOneHot, Tensor? sampleWeight = null)
    {
        int classes = predictions.Shape[-1];
        var p = ContiguousOperand.Of(predictions);
        var y = ContiguousOperand.Of(labels);
        ReadOnlySpan<float> ps = p.Span, ys = y.Span;
        int rows = ps.Length / classes;
        var weights = new RowWeights(sampleWeight, rows, predictions);
        double hits = 0, seen = 0;
        for (int r = 0; r < rows; r++)
        {
            float w = weights[r];
            seen += w;
            var row = ps.Slice(r * classes, classes);
            int label = labelsAreOneHot ? TensorPrimitives.IndexOfMax(ys.Slice(r * classes, classes)) : (int)ys[r];
            if ((uint)label >= (uint)classes) continue;
            float target = row[label];
            int larger = 0;
            for (int j = 0; j < classes; j++) if (row[j] > target) larger++;
            if (larger < k) hits += w;
        }
        weights.Release();
        ContiguousOperand.Release(p, predictions);
        ContiguousOperand.Release(y, labels);
        return (hits, seen);
    }

    /// <summary>Elements where the thresholded prediction (1 if above <paramref name="threshold"/>, else 0) equals the target, as Keras.</summary>
    internal static (double Numerator, double Denominator) CountBinaryMatches(Tensor targets, Tensor predictions, float threshold, Tensor? sampleWeight = null)
    {
        var p = ContiguousOperand.Of(predictions);
        var t = ContiguousOperand.Of(targets);
        ReadOnlySpan<float> ps = p.Span, ts = t.Span;
        if (ts.Length != ps.Length)
            throw new ArgumentException($"binary_accuracy: y_true has shape {targets.Shape} but y_pred has shape {predictions.Shape}.");
        int columns = LastAxis(predictions), rows = ps.Length / columns;
        var weights = new RowWeights(sampleWeight, rows, predictions);
        double correct = 0, seen = 0;
        for (int r = 0; r < rows; r++)
        {
            long rowCorrect = 0;
            for (int i = r * columns; i < (r + 1) * columns; i++) if ((ps[i] > threshold ? 1f : 0f) == ts[i]) rowCorrect++;
            if (weights.Given)
            {
                correct += weights[r] * (double)rowCorrect / columns;
                seen += weights[r];
            }
            else correct += rowCorrect;
        }
        weights.Release();
        ContiguousOperand.Release(p, predictions);
        ContiguousOperand.Release(t, targets);
        return (correct, weights.Given ? seen : ps.Length);
    }

    /// <summary>Σ (p − t)² or Σ |p − t| over all elements (over the element count), in double.</summary>
    internal static (double Numerator, double Denominator) SumOfErrors(Tensor targets, Tensor predictions, bool squared, Tensor? sampleWeight = null)
    {
        var p = ContiguousOperand.Of(predictions);
        var t = ContiguousOperand.Of(targets);
        ReadOnlySpan<float> ps = p.Span, ts = t.Span;
        if (ts.Length != ps.Length)
            throw new ArgumentException($"{(squared ? "mean_squared_error" : "mean_absolute_error")}: y_true has shape {targets.Shape} but y_pred has shape {predictions.Shape}.");
        int columns = LastAxis(predictions), rows = ps.Length / columns;
        var weights = new RowWeights(sampleWeight, rows, predictions);
        double sum = 0, seen = 0;
        for (int r = 0; r < rows; r++)
        {
            double rowSum = 0;
            for (int i = r * columns; i < (r + 1) * columns; i++)
            {
                double e = ps[i] - ts[i];
                rowSum += squared ? e * e : Math.Abs(e);
            }
            if (weights.Given)
            {
                sum += weights[r] * rowSum / columns;
                seen += weights[r];
            }
            else sum += rowSum;
        }
        weights.Release();
        ContiguousOperand.Release(p, predictions);
        ContiguousOperand.Release(t, targets);
        return (sum, weights.Given ? seen : ps.Length);
    }

    private static int LastAxis(Tensor predictions) => predictions.Rank == 0 ? 1 : Math.Max(1, predictions.Shape[-1]);

    /// <summary>
    /// The weight of each row: 1 without sample weights, else the weight of the sample the row belongs to
    /// (a batch of n samples spread over its rows in equal runs, as Keras broadcasts sample_weight).
    /// </summary>
    private readonly ref struct RowWeights
    {
        private readonly Tensor? _given;
        private readonly Tensor? _operand;
        private readonly ReadOnlySpan<float> _values;
        private readonly int _rowsPerSample;

        internal RowWeights(Tensor? sampleWeight, int rows, Tensor predictions)
        {
            _given = sampleWeight;
            if (sampleWeight is null) return;
            int samples = sampleWeight.Size;
            if (samples == 0 || rows % samples != 0 || (predictions.Rank > 0 && predictions.Shape[0] != samples))
                throw new ArgumentException(
                    $"sample_weight: {samples} weights (shape {sampleWeight.Shape}) do not match the {(predictions.Rank > 0 ? predictions.Shape[0] : 1)} " +
                    $"samples of the predictions (shape {predictions.Shape}); give one weight per sample.");
            _operand = ContiguousOperand.Of(sampleWeight);
            _values = _operand.Span;
            _rowsPerSample = rows / samples;
        }

        internal bool Given => _given is not null;

        internal float this[int row] => _given is null ? 1f : _values[row / _rowsPerSample];

        internal void Release()
        {
            if (_given is not null) ContiguousOperand.Release(_operand!, _given);
        }
    }

    private static void CheckRows(int labelRows, int predictionRows, Tensor labels, Tensor predictions)
    {
        if (labelRows != predictionRows)
            throw new ArgumentException($"accuracy: y_true has shape {labels.Shape} but y_pred has shape {predictions.Shape}; expected one target per prediction row.");
    }
}
