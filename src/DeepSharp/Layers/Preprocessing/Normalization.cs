using System.Globalization;
using System.Text.Json.Nodes;

namespace DeepSharp;

/// <summary>
/// Standardizes inputs with a mean and a variance per feature, as Keras' <c>Normalization</c>:
/// <c>(inputs − mean) / max(√variance, 1e-7)</c> (or the inverse with <see cref="Invert"/>), in training and inference
/// alike. The statistics are given, or learned from data by <see cref="Adapt(Tensor)"/> before training, kept per
/// index of the <see cref="Axis"/> axes (the last by default: one mean per feature or channel) and shared along the others.
/// </summary>
/// <remarks>
/// Axes count as Keras counts them, the batch axis being 0: −1 is the last, 1 the first axis of a sample. Adapted
/// statistics are the layer's weights (non-trainable "mean", "variance" and "count", as Keras saves them); given ones are
/// part of its configuration.
/// </remarks>
public sealed class Normalization : Layer
{
    private const float Epsilon = 1e-7f; // Keras' backend.epsilon()
    private readonly int[] _axes;
    private readonly float[]? _givenMean, _givenVariance;
    private int[] _broadcastShape = [];
    private int[] _keptShape = [];
    private int[] _kept = [];
    private Tensor? _mean, _variance;

    /// <summary>Creates the layer with statistics kept along one axis (the last by default, as Keras).</summary>
    /// <param name="axis">The axis whose entries get their own mean and variance; −1 (default) is the last.</param>
    /// <param name="mean">The mean: one value for every entry, or one per entry of the axis; null to learn it with <see cref="Adapt(Tensor)"/>.</param>
    /// <param name="variance">The variance, as <paramref name="mean"/>; given together with it.</param>
    /// <param name="invert">Undo the standardization instead: <c>mean + inputs·√variance</c>.</param>
    /// <param name="name">Layer name (default "normalization", ...).</param>
    /// <param name="inputShape">Per-sample input shape when this is a model's first layer.</param>
    public Normalization(int axis = -1, float[]? mean = null, float[]? variance = null, bool invert = false, string? name = null, PartialShape? inputShape = null)
        : this([axis], mean, variance, invert, name, inputShape)
    {
    }

    /// <summary>Creates the layer with statistics kept along several axes, or along none (one mean for everything) with an empty list.</summary>
    /// <param name="axes">The axes whose entries get their own mean and variance.</param>
    /// <param name="mean">The mean: one value, or one per entry of the kept axes (in row-major order); null to learn it.</param>
    /// <param name="variance">The variance, as <paramref name="mean"/>.</param>
    /// <param name="invert">Undo the standardization instead.</param>
    /// <param name="name">Layer name.</param>
    /// <param name="inputShape">Per-sample input shape when this is a model's first layer.</param>
    public Normalization(int[] axes, float[]? mean = null, float[]? variance = null, bool invert = false, string? name = null, PartialShape? inputShape = null)
        : base(name, inputShape)
    {
        ArgumentNullException.ThrowIfNull(axes);
        if ((mean is null) != (variance is null))
            throw new ArgumentException(
                $"Normalization: mean and variance are given together; got mean {Format(mean)} and variance {Format(variance)}.", nameof(variance));
        if (mean is not null && mean.Length != variance!.Length)
            throw new ArgumentException(
                $"Normalization: mean and variance must have the same length; got {mean.Length} and {variance.Length}.", nameof(variance));
        if (variance is not null && variance.Any(v => !(v >= 0)))
            throw new ArgumentOutOfRangeException(nameof(variance), $"Normalization: variances must be non-negative numbers; got {Format(variance)}.");
        _axes = [.. axes];
        _givenMean = mean is null ? null : [.. mean];
        _givenVariance = variance is null ? null : [.. variance];
        Invert = invert;
    }

    /// <summary>The axes whose entries get their own statistics (Keras' numbering: 0 is the batch axis).</summary>
    public IReadOnlyList<int> Axis => _axes;

    /// <summary>Whether the layer undoes the standardization.</summary>
    public bool Invert { get; }

    /// <summary>The mean per kept entry (after build), adapted or given.</summary>
    public Tensor? Mean => _mean;

    /// <summary>The variance per kept entry (after build), adapted or given.</summary>
    public Tensor? Variance => _variance;

    /// <inheritdoc/>
    public override TensorShape ComputeOutputShape(TensorShape inputShape)
    {
        KeptAxes(inputShape);
        return inputShape;
    }

    /// <summary>The kept axes of a per-sample shape as sample axes (Keras' axis − 1), sorted, checked against the shape.</summary>
    private int[] KeptAxes(TensorShape sampleShape)
    {
        int rank = sampleShape.Rank + 1;
        var kept = new SortedSet<int>();
        foreach (int axis in _axes)
        {
            int a = axis < 0 ? axis + rank : axis;
            if (a <= 0 || a >= rank)
                throw new ArgumentException(
                    $"{Label}: axis {axis} is not an axis of a sample of inputs {FormatBatch(sampleShape)}; axes count from 1 (0 is the batch) or from the end (−1).");
            kept.Add(a - 1);
        }
        return [.. kept];
    }

    /// <inheritdoc/>
    protected override void Build(TensorShape inputShape)
    {
        var kept = KeptAxes(inputShape);
        _kept = kept;
        _keptShape = kept.Select(a => inputShape[a]).ToArray();
        _broadcastShape = new int[inputShape.Rank + 1];
        Array.Fill(_broadcastShape, 1);
        foreach (int a in kept) _broadcastShape[a + 1] = inputShape[a];
        int size = _keptShape.Aggregate(1, (p, d) => p * d);
        if (_givenMean is null)
        {
            _mean = AddWeight("mean", _keptShape, new Zeros(), trainable: false);
            _variance = AddWeight("variance", _keptShape, new Ones(), trainable: false);
            AddWeight("count", [], new Zeros(), trainable: false);
            return;
        }
        if (_givenMean.Length != 1 && _givenMean.Length != size)
            throw new ArgumentException(
                $"{Label}: the given mean and variance hold {_givenMean.Length} values; inputs {FormatBatch(inputShape)} with axis " +
                $"{Format(_axes)} need 1 or {size}.");
        _mean = Constant(Broadcast(_givenMean, size), _keptShape);
        _variance = Constant(Broadcast(_givenVariance!, size), _keptShape);
    }

    private static float[] Broadcast(float[] values, int size) => values.Length == size ? values : Enumerable.Repeat(values[0], size).ToArray();

    private static Tensor Constant(float[] values, int[] shape) => shape.Length == 0 ? Tensor.Scalar(values[0]) : Tensor.FromArray(values, shape);

    /// <inheritdoc/>
    protected override Tensor Forward(Tensor inputs, bool training)
    {
        var mean = Ops.Reshape(_mean!, _broadcastShape);
        var scale = Ops.Maximum(Ops.Sqrt(Ops.Reshape(_variance!, _broadcastShape)), Tensor.Scalar(Epsilon));
        return Invert ? mean + inputs * scale : (inputs - mean) / scale;
    }

    /// <summary>
    /// Learns the mean and variance from <paramref name="data"/> (batch first, as the layer's inputs), as Keras'
    /// <c>adapt</c>: over every axis but the kept ones. Builds the layer for the data's shape if it is not built.
    /// </summary>
    public void Adapt(Tensor data) => Adapt([data]);

    /// <summary>Learns the mean and variance from batches of data, combined as Keras combines them (each batch weighted by its size).</summary>
    public void Adapt(IEnumerable<Tensor> batches)
    {
        ArgumentNullException.ThrowIfNull(batches);
        if (_givenMean is not null)
            throw new InvalidOperationException($"{Label} was given its mean and variance; it has nothing to adapt.");
        double[]? totalMean = null, totalVariance = null;
        long totalCount = 0;
        foreach (var batch in batches)
        {
            ArgumentNullException.ThrowIfNull(batch);
            if (batch.Rank < 1)
                throw new ArgumentException($"{Label}: adapt needs batches of samples (batch first); got a scalar.", nameof(batches));
            var sample = SampleShape(batch.Shape);
            if (!IsBuilt) EnsureBuilt(sample);
            else
            {
                var kept = KeptAxes(sample).Select(a => sample[a]);
                if (!kept.SequenceEqual(_keptShape))
                    throw new ArgumentException(
                        $"{Label} keeps statistics of shape {Format(_keptShape)}; data of shape {batch.Shape} has {Format(kept.ToArray())} along axis {Format(_axes)}.",
                        nameof(batches));
            }
            var (mean, variance, count) = Moments(batch);
            if (count == 0) continue;
            if (totalMean is null)
            {
                (totalMean, totalVariance, totalCount) = (mean, variance, count);
                continue;
            }
            // Keras' merge: the pooled variance of the two groups about their common mean.
            totalCount += count;
            double weight = (double)count / totalCount, existing = 1 - weight;
            for (int i = 0; i < mean.Length; i++)
            {
                double merged = totalMean[i] * existing + mean[i] * weight;
                totalVariance![i] = (totalVariance[i] + Square(totalMean[i] - merged)) * existing + (variance[i] + Square(mean[i] - merged)) * weight;
                totalMean[i] = merged;
            }
        }
        if (totalMean is null) throw new ArgumentException($"{Label}: adapt received no data.", nameof(batches));
        _mean!.CopyFrom(totalMean.Select(v => (float)v).ToArray());
        _variance!.CopyFrom(totalVariance!.Select(v => (float)v).ToArray());
    }

    private static double Square(double v) => v * v;

    /// <summary>The mean and (biased) variance of one batch per kept entry, and how many values each summarises.</summary>
    private (double[] Mean, double[] Variance, long Count) Moments(Tensor batch)
    {
        var values = batch.ToArray();
        var dims = batch.Shape.ToArray();
        int size = _keptShape.Aggregate(1, (p, d) => p * d);
        // The kept index of each element: its coordinates along the kept axes, row-major.
        var strides = new long[dims.Length];
        long stride = 1;
        for (int d = dims.Length - 1; d >= 1; d--)
        {
            if (!_kept.Contains(d - 1)) continue;
            strides[d] = stride;
            stride *= dims[d];
        }
        var sum = new double[size];
        var keptOf = new int[values.Length];
        var index = new int[dims.Length];
        for (int i = 0; i < values.Length; i++)
        {
            long k = 0;
            for (int d = 0; d < dims.Length; d++) k += index[d] * strides[d];
            keptOf[i] = (int)k;
            sum[k] += values[i];
            for (int d = dims.Length - 1; d >= 0; d--)
            {
                if (++index[d] < dims[d]) break;
                index[d] = 0;
            }
        }
        long count = values.Length / Math.Max(size, 1);
        var mean = sum.Select(s => count == 0 ? 0 : s / count).ToArray();
        var squares = new double[size];
        for (int i = 0; i < values.Length; i++) squares[keptOf[i]] += Square(values[i] - mean[keptOf[i]]);
        return (mean, squares.Select(s => count == 0 ? 0 : s / count).ToArray(), count);
    }

    /// <inheritdoc/>
    public override JsonObject GetConfig()
    {
        var config = base.GetConfig();
        config["axis"] = new JsonArray(_axes.Select(a => (JsonNode?)a).ToArray());
        config["invert"] = Invert;
        config["mean"] = ToJson(_givenMean);
        config["variance"] = ToJson(_givenVariance);
        return config;
    }

    /// <summary>As Keras saves given statistics: null, one number, or a list.</summary>
    private static JsonNode? ToJson(float[]? values) => values switch
    {
        null => null,
        [var single] => JsonValue.Create(single),
        _ => new JsonArray(values.Select(v => (JsonNode?)v).ToArray()),
    };

    /// <summary>Recreates the layer from the configuration <see cref="GetConfig"/> wrote (Keras' <c>from_config</c>).</summary>
    public static Normalization FromConfig(JsonObject config)
    {
        var r = LayerConfigReader.ForLayer(config, nameof(Normalization));
        r.TryGet("axis", out var axis);
        int[] axes = axis switch
        {
            null => [-1],
            JsonArray a => a.Select(n => n!.GetValue<int>()).ToArray(),
            JsonValue v => [v.GetValue<int>()],
            var other => throw r.Invalid("axis", other.ToJsonString(), "an integer or a list of integers"),
        };
        return r.Finish(new Normalization(axes, Values(r, "mean"), Values(r, "variance"), r.Optional("invert", false), r.Name, r.InputShape));
    }

    /// <summary>Saved statistics, nested lists flattened in row-major order.</summary>
    private static float[]? Values(ConfigReader r, string key)
    {
        if (!r.TryGet(key, out var node) || node is null) return null;
        var values = new List<float>();
        void Collect(JsonNode? n)
        {
            if (n is JsonArray array) foreach (var item in array) Collect(item);
            else if (n is JsonValue v) values.Add(v.GetValue<float>());
            else throw r.Invalid(key, node.ToJsonString(), "a number or nested lists of numbers");
        }
        Collect(node);
        return [.. values];
    }

    private static string Format(float[]? values) =>
        values is null ? "null" : "[" + string.Join(", ", values.Select(v => v.ToString(CultureInfo.InvariantCulture))) + "]";

    private static string Format(int[] values) => "(" + string.Join(", ", values) + ")";
}
