using System.Numerics.Tensors;
using DeepSharp.Kernels;

namespace DeepSharp;

public static partial class Ops
{
    // Every loss here returns the mean over "rows" (all dimensions but the last) of a per-row loss
    // computed over the last axis: Keras' loss functions followed by its default reduction,
    // sum_over_batch_size. Cross-entropies sum over the classes; regression losses average over them.

    // ---- categorical cross-entropy: integer labels (sparse) or target distributions -----------------------

    /// <summary>
    /// Cross-entropy between integer class labels <paramref name="labels"/> ([rows] or [rows, 1], whole
    /// numbers as floats) and <paramref name="predictions"/> ([rows, classes]): probabilities, or logits
    /// when <paramref name="fromLogits"/> (softmax fused in, numerically stable).
    /// </summary>
    public static Tensor SparseCategoricalCrossentropy(Tensor labels, Tensor predictions, bool fromLogits = false)
    {
        const string op = "sparse_categorical_crossentropy";
        int classes = CheckClassScores(predictions, op);
        int rows = predictions.Size / classes;
        if (labels.Size != rows)
            throw new ArgumentException($"{op}: y_true has shape {labels.Shape} ({labels.Size} labels) but y_pred has shape {predictions.Shape} ({rows} rows of {classes} classes); expected one label per row.");
        return CrossEntropy(labels, predictions, classes, fromLogits, sparse: true, op);
    }

    /// <summary>
    /// Cross-entropy between target distributions (one-hot rows) and <paramref name="predictions"/>:
    /// probabilities, or logits when <paramref name="fromLogits"/> (softmax fused in).
    /// </summary>
    public static Tensor CategoricalCrossentropy(Tensor targets, Tensor predictions, bool fromLogits = false)
    {
        const string op = "categorical_crossentropy";
        int classes = CheckClassScores(predictions, op);
        CheckSameShape(targets, predictions, op);
        return CrossEntropy(targets, predictions, classes, fromLogits, sparse: false, op);
    }

    /// <summary>
    /// The mean over rows of the cross-entropy; with logits the softmax is computed in the same pass and
    /// kept for backward.
    /// </summary>
    private static Tensor CrossEntropy(Tensor targets, Tensor predictions, int classes, bool fromLogits, bool sparse, string op)
    {
        int rows = predictions.Size / classes;
        var t = ElementwiseDriver.Contiguous(targets);
        var p = ElementwiseDriver.Contiguous(predictions);
        if (sparse) CheckLabels(t.Span, classes, op);
        var loss = Tensor.Uninitialized(new TensorShape());
        Tensor? probabilities = fromLogits ? Tensor.Uninitialized(predictions.Shape) : null;
        double total = (sparse, fromLogits) switch
        {
            (true, true) => CrossEntropyKernels.SparseSoftmaxForward(p.Span, t.Span, classes, probabilities!.Span),
            (true, false) => CrossEntropyKernels.SparseProbabilityForward(p.Span, t.Span, classes),
            (false, true) => CrossEntropyKernels.SoftmaxForward(p.Span, t.Span, classes, probabilities!.Span),
            (false, false) => CrossEntropyKernels.ProbabilityForward(p.Span, t.Span, classes),
        };
        loss.Span[0] = (float)(total / rows);
        ElementwiseDriver.ReleaseCopy(t, targets);
        ElementwiseDriver.ReleaseCopy(p, predictions);
        var node = Node.Record(op, CrossEntropyBackward, loss, predictions, targets);
        if (node is null) probabilities?.Recycle();
        else
        {
            node.Saved0 = probabilities is null ? null : TensorScope.Keep(probabilities);
            node.Int0 = classes;
            node.Int1 = sparse ? 1 : 0;
        }
        return loss;
    }

    private static void CrossEntropyBackward(Node n, Tensor g)
    {
        Tensor predictions = n.A!, targets = n.B!;
        int classes = n.Int0;
        bool sparse = n.Int1 == 1;
        float scale = g.Item() * classes / predictions.Size;
        var t = ElementwiseDriver.Contiguous(targets);
        var gradient = Tensor.Uninitialized(predictions.Shape);
        if (n.Saved0 is { } probabilities)
        {
            if (sparse) CrossEntropyKernels.SparseSoftmaxBackward(probabilities.Span, t.Span, classes, scale, gradient.Span);
            else CrossEntropyKernels.SoftmaxBackward(probabilities.Span, t.Span, classes, scale, gradient.Span);
        }
        else
        {
            var p = ElementwiseDriver.Contiguous(predictions);
            if (sparse) CrossEntropyKernels.SparseProbabilityBackward(p.Span, t.Span, classes, scale, gradient.Span);
            else CrossEntropyKernels.ProbabilityBackward(p.Span, t.Span, classes, scale, gradient.Span);
            ElementwiseDriver.ReleaseCopy(p, predictions);
        }
        ElementwiseDriver.ReleaseCopy(t, targets);
        GradientEngine.Accumulate(predictions, gradient);
    }

    // ---- binary cross-entropy ------------------------------------------------------------------------------

    /// <summary>
    /// Binary cross-entropy between 0/1 targets and <paramref name="predictions"/> (probabilities, or logits
    /// when <paramref name="fromLogits"/>), averaged over the last axis and then over rows, as Keras.
    /// </summary>
    public static Tensor BinaryCrossentropy(Tensor targets, Tensor predictions, bool fromLogits = false)
    {
        const string op = "binary_crossentropy";
        targets = MatchTargetRank(targets, predictions, op);
        CheckSameShape(targets, predictions, op);
        var t = ElementwiseDriver.Contiguous(targets);
        var p = ElementwiseDriver.Contiguous(predictions);
        var loss = Tensor.Uninitialized(new TensorShape());
        Tensor? sigmoid = null;
        if (fromLogits)
        {
            sigmoid = Tensor.Uninitialized(predictions.Shape);
            loss.Span[0] = (float)(CrossEntropyKernels.SigmoidForward(p.Span, t.Span, sigmoid.Span) / predictions.Size);
        }
        else loss.Span[0] = (float)(CrossEntropyKernels.BinaryProbabilityForward(p.Span, t.Span) / predictions.Size);
        ElementwiseDriver.ReleaseCopy(t, targets);
        ElementwiseDriver.ReleaseCopy(p, predictions);
        var node = Node.Record(op, BinaryCrossEntropyBackward, loss, predictions, targets);
        if (node is null) sigmoid?.Recycle();
        else node.Saved0 = sigmoid is null ? null : TensorScope.Keep(sigmoid);
        return loss;
    }

    private static void BinaryCrossEntropyBackward(Node n, Tensor g)
    {
        Tensor predictions = n.A!, targets = n.B!;
        float scale = g.Item() / predictions.Size;
        var t = ElementwiseDriver.Contiguous(targets);
        var gradient = Tensor.Uninitialized(predictions.Shape);
        if (n.Saved0 is { } sigmoid)
        {
            // d/dx = (sigmoid(x) − z) · scale
            TensorPrimitives.Subtract(sigmoid.Span, t.Span, gradient.Span);
            TensorPrimitives.Multiply(gradient.Span, scale, gradient.Span);
        }
        else
        {
            var p = ElementwiseDriver.Contiguous(predictions);
            CrossEntropyKernels.BinaryProbabilityBackward(p.Span, t.Span, scale, gradient.Span);
            ElementwiseDriver.ReleaseCopy(p, predictions);
        }
        ElementwiseDriver.ReleaseCopy(t, targets);
        GradientEngine.Accumulate(predictions, gradient);
    }

    // ---- regression losses and KL divergence ---------------------------------------------------------------

    /// <summary>Mean of (prediction − target)² (Keras' mean_squared_error).</summary>
    public static Tensor MeanSquaredError(Tensor targets, Tensor predictions) =>
        PointwiseLoss(targets, predictions, PointwiseLossKind.SquaredError, 0f, "mean_squared_error");

    /// <summary>Mean of |prediction − target| (Keras' mean_absolute_error).</summary>
    public static Tensor MeanAbsoluteError(Tensor targets, Tensor predictions) =>
        PointwiseLoss(targets, predictions, PointwiseLossKind.AbsoluteError, 0f, "mean_absolute_error");

    /// <summary>Huber loss: ½e² for |e| ≤ δ, else δ(|e| − ½δ), averaged (Keras default δ = 1).</summary>
    public static Tensor Huber(Tensor targets, Tensor predictions, float delta = 1f)
    {
        if (!(delta > 0) || !float.IsFinite(delta))
            throw new ArgumentOutOfRangeException(nameof(delta), delta, $"huber: delta must be a finite number > 0; got {delta}.");
        return PointwiseLoss(targets, predictions, PointwiseLossKind.Huber, delta, "huber");
    }

    /// <summary>
    /// Kullback–Leibler divergence Σ t·log(t / p) over the last axis with both clipped to [ε, 1], averaged
    /// over rows (Keras' kl_divergence).
    /// </summary>
    public static Tensor KLDivergence(Tensor targets, Tensor predictions) =>
        PointwiseLoss(targets, predictions, PointwiseLossKind.KLDivergence, 0f, "kl_divergence");

    private enum PointwiseLossKind
    {
        SquaredError,
        AbsoluteError,
        Huber,
        KLDivergence,
    }

    private static Tensor PointwiseLoss(Tensor targets, Tensor predictions, PointwiseLossKind kind, float delta, string op)
    {
        targets = MatchTargetRank(targets, predictions, op);
        CheckSameShape(targets, predictions, op);
        var t = ElementwiseDriver.Contiguous(targets);
        var p = ElementwiseDriver.Contiguous(predictions);
        ReadOnlySpan<float> ts = t.Span, ps = p.Span;
        double total = 0;
        switch (kind)
        {
            case PointwiseLossKind.SquaredError:
                for (int i = 0; i < ps.Length; i++) { double e = ps[i] - ts[i]; total += e * e; }
                break;
            case PointwiseLossKind.AbsoluteError:
                for (int i = 0; i < ps.Length; i++) total += Math.Abs(ps[i] - ts[i]);
                break;
            case PointwiseLossKind.Huber:
                for (int i = 0; i < ps.Length; i++)
                {
                    double e = Math.Abs(ps[i] - ts[i]);
                    total += e <= delta ? 0.5 * e * e : delta * (e - 0.5 * delta);
                }
                break;
            default:
                for (int i = 0; i < ps.Length; i++)
                {
                    float tc = Math.Clamp(ts[i], CrossEntropyKernels.Epsilon, 1f), pc = Math.Clamp(ps[i], CrossEntropyKernels.Epsilon, 1f);
                    total += tc * Math.Log(tc / (double)pc);
                }
                break;
        }
        // KL sums over the last axis (then averages rows); the others average over every element.
        int divisor = kind == PointwiseLossKind.KLDivergence ? predictions.Size / Math.Max(1, LastDim(predictions)) : predictions.Size;
        ElementwiseDriver.ReleaseCopy(t, targets);
        ElementwiseDriver.ReleaseCopy(p, predictions);
        var loss = Tensor.Uninitialized(new TensorShape());
        loss.Span[0] = (float)(total / Math.Max(1, divisor));
        var node = Node.Record(op, PointwiseLossBackward, loss, predictions, targets);
        if (node is not null)
        {
            node.Int0 = (int)kind;
            node.Int1 = divisor;
            node.Float0 = delta;
        }
        return loss;
    }

    private static void PointwiseLossBackward(Node n, Tensor g)
    {
        Tensor predictions = n.A!, targets = n.B!;
        var kind = (PointwiseLossKind)n.Int0;
        float scale = g.Item() / Math.Max(1, n.Int1), delta = n.Float0;
        var t = ElementwiseDriver.Contiguous(targets);
        var p = ElementwiseDriver.Contiguous(predictions);
        ReadOnlySpan<float> ts = t.Span, ps = p.Span;
        var gradient = Tensor.Uninitialized(predictions.Shape);
        var gs = gradient.Span;
        for (int i = 0; i < ps.Length; i++)
        {
            float e = ps[i] - ts[i];
            gs[i] = kind switch
            {
                PointwiseLossKind.SquaredError => 2f * e * scale,
                PointwiseLossKind.AbsoluteError => MathF.Sign(e) * scale,
                PointwiseLossKind.Huber => (MathF.Abs(e) <= delta ? e : delta * MathF.Sign(e)) * scale,
                _ => ps[i] < CrossEntropyKernels.Epsilon || ps[i] > 1f
                    ? 0f
                    : -Math.Clamp(ts[i], CrossEntropyKernels.Epsilon, 1f) / ps[i] * scale,
            };
        }
        ElementwiseDriver.ReleaseCopy(t, targets);
        ElementwiseDriver.ReleaseCopy(p, predictions);
        if (targets._requiresGrad && kind != PointwiseLossKind.KLDivergence)
        {
            // The error is symmetric in prediction and target for the regression losses.
            GradientEngine.Accumulate(targets, Scaled(gradient, -1f));
        }
        GradientEngine.Accumulate(predictions, gradient);
    }

    // ---- fusing an output activation into the loss ----------------------------------------------------

    /// <summary>
    /// Whether <paramref name="probabilities"/> was made by a softmax over its last axis whose graph is alive;
    /// if so, gives the softmax's input so a cross-entropy can use the stable logits form (as Keras does on
    /// TensorFlow). Without a graph (inference) the probability form is used.
    /// </summary>
    internal static bool TryGetSoftmaxInput(Tensor probabilities, out Tensor logits)
    {
        var node = probabilities._node;
        if (node is { OpName: "softmax" } && node.Int0 == probabilities.Rank - 1)
        {
            logits = node.A!;
            return true;
        }
        logits = null!;
        return false;
    }

    /// <summary>Whether <paramref name="probabilities"/> came from a live sigmoid; if so, gives its input.</summary>
    internal static bool TryGetSigmoidInput(Tensor probabilities, out Tensor logits)
    {
        var node = probabilities._node;
        if (node is { OpName: "sigmoid" })
        {
            logits = node.A!;
            return true;
        }
        logits = null!;
        return false;
    }

    // ---- shared checks -------------------------------------------------------------------------------------

    private static int LastDim(Tensor t) => t.Rank == 0 ? 1 : t.Shape[-1];

    private static int CheckClassScores(Tensor predictions, string op)
    {
        predictions.ThrowIfDisposed();
        if (predictions.Rank < 1 || predictions.Shape[-1] < 1)
            throw new ArgumentException($"{op}: y_pred must have a class axis last, e.g. (batch, classes); got shape {predictions.Shape}.");
        return predictions.Shape[-1];
    }

    private static void CheckLabels(ReadOnlySpan<float> labels, int classes, string op)
    {
        for (int i = 0; i < labels.Length; i++)
        {
            float label = labels[i];
            if (!(label >= 0 && label < classes) || label != MathF.Floor(label))
                throw new ArgumentException(
                    $"{op}: label {label} at position {i} is not a class index in [0, {classes - 1}] (y_pred has {classes} classes).");
        }
    }

    private static void CheckSameShape(Tensor targets, Tensor predictions, string op)
    {
        if (targets.Shape != predictions.Shape)
            throw new ArgumentException($"{op}: y_true has shape {targets.Shape} but y_pred has shape {predictions.Shape}; they must match.");
    }

    /// <summary>Keras squeezes a trailing 1: y_true (batch,) against y_pred (batch, 1) is read as (batch, 1).</summary>
    private static Tensor MatchTargetRank(Tensor targets, Tensor predictions, string op)
    {
        targets.ThrowIfDisposed();
        if (targets.Rank + 1 == predictions.Rank && predictions.Shape[-1] == 1 && targets.Size == predictions.Size && targets.IsContiguous)
        {
            var view = Tensor.ContiguousView(targets, predictions.Shape);
            return view;
        }
        return targets;
    }
}
