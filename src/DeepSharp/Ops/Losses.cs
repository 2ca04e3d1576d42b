using DeepSharp.Kernels;

namespace DeepSharp;

public static unsafe partial class Ops
{
    // Every loss here returns the mean over "rows" (all dimensions but the last) of a per-row loss computed over
    // the last axis: Keras' loss functions followed by its default reduction, sum_over_batch_size. Cross-entropies
    // sum over the classes; regression losses average over them. The per-element math is in Kernels
    // (CrossEntropyKernels, LossFunctions); each loss's backward sits under its forward.

    // ---- categorical cross-entropy: from logits (softmax fused) or probabilities (Keras' clipped form) --

    /// <summary>
    /// Cross-entropy between integer class labels <paramref name="labels"/> ([rows] or [rows, 1], whole
    /// numbers as floats) and <paramref name="predictions"/> ([rows, classes]): probabilities, or logits
    /// when <paramref name="fromLogits"/> (softmax fused in, numerically stable).
    /// </summary>
    public static Tensor SparseCategoricalCrossentropy(Tensor labels, Tensor predictions, bool fromLogits = false)
    {
        const string op = "sparse_categorical_crossentropy";
        int classes = CheckLabelRows(labels, predictions, op);
        return fromLogits
            ? SoftmaxCrossEntropy(labels, predictions, softmax: null, classes, sparse: true, op)
            : ProbabilityCrossEntropy(labels, predictions, classes, sparse: true, op);
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
        return fromLogits
            ? SoftmaxCrossEntropy(targets, predictions, softmax: null, classes, sparse: false, op)
            : ProbabilityCrossEntropy(targets, predictions, classes, sparse: false, op);
    }

    /// <summary>
    /// <see cref="SparseCategoricalCrossentropy"/> of the output of a softmax over the last axis: when that softmax's
    /// graph is alive the loss reads its logits and probabilities (the stable form, no second softmax), else the
    /// probabilities alone (inference records no graph).
    /// </summary>
    internal static Tensor SparseCategoricalCrossentropyOfSoftmax(Tensor labels, Tensor probabilities)
    {
        const string op = "sparse_categorical_crossentropy";
        int classes = CheckLabelRows(labels, probabilities, op);
        return SoftmaxInput(probabilities) is { } logits
            ? SoftmaxCrossEntropy(labels, logits, probabilities, classes, sparse: true, op)
            : ProbabilityCrossEntropy(labels, probabilities, classes, sparse: true, op);
    }

    /// <summary><see cref="CategoricalCrossentropy"/> of the output of a softmax; see <see cref="SparseCategoricalCrossentropyOfSoftmax"/>.</summary>
    internal static Tensor CategoricalCrossentropyOfSoftmax(Tensor targets, Tensor probabilities)
    {
        const string op = "categorical_crossentropy";
        int classes = CheckClassScores(probabilities, op);
        CheckSameShape(targets, probabilities, op);
        return SoftmaxInput(probabilities) is { } logits
            ? SoftmaxCrossEntropy(targets, logits, probabilities, classes, sparse: false, op)
            : ProbabilityCrossEntropy(targets, probabilities, classes, sparse: false, op);
    }

    /// <summary>What a cross-entropy keeps for backward: the classes per row, whether targets are class labels, whether it took logits.</summary>
    private readonly record struct CrossEntropySaved(int Classes, bool Sparse, bool FromSoftmax);

    /// <summary>
    /// The mean over rows of the cross-entropy of <paramref name="logits"/>' softmax: given as
    /// <paramref name="softmax"/> (a softmax op's output, which becomes the node's third input) or computed here
    /// and kept for backward.
    /// </summary>
    private static Tensor SoftmaxCrossEntropy(Tensor targets, Tensor logits, Tensor? softmax, int classes, bool sparse, string op)
    {
        int rows = logits.Size / classes;
        var t = ContiguousOperand.Of(targets);
        var x = ContiguousOperand.Of(logits);
        Tensor? computed = null;
        if (softmax is null)
        {
            computed = Tensor.Uninitialized(logits.Shape);
            SoftmaxKernel.Forward(x.Pointer, computed.Pointer, rows, classes, 1, log: false);
        }
        var p = computed ?? ContiguousOperand.Of(softmax!);
        int invalidRow = -1;
        double total = sparse
            ? CrossEntropyKernels.SparseFromSoftmax(x.Span, p.Span, t.Span, classes, out invalidRow)
            : CrossEntropyKernels.FromSoftmax(x.Span, p.Span, t.Span, classes);
        float invalidLabel = invalidRow >= 0 ? t.Span[invalidRow] : 0f;
        if (computed is null) ContiguousOperand.Release(p, softmax!);
        ContiguousOperand.Release(t, targets);
        ContiguousOperand.Release(x, logits);
        if (invalidRow >= 0)
        {
            computed?.Recycle();
            ThrowInvalidLabel(invalidLabel, invalidRow, classes, op);
        }
        var loss = Scalar(total / rows);
        var node = softmax is null
            ? Node.Record(op, CrossEntropyBackward, loss, logits, targets)
            : Node.Record(op, CrossEntropyBackward, loss, logits, targets, softmax);
        if (node is null) computed?.Recycle();
        else
        {
            node.Save(new CrossEntropySaved(classes, sparse, FromSoftmax: true));
            node.Keep(computed);
        }
        return loss;
    }

    /// <summary>The input of the softmax (over the last axis) that made <paramref name="probabilities"/>, while its graph is alive.</summary>
    private static Tensor? SoftmaxInput(Tensor probabilities) =>
        probabilities._node is { } node && node.Rule == (BackwardRule)SoftmaxBackward &&
        node.State<SoftmaxSaved>() is { Log: false } saved && saved.Axis == probabilities.Rank - 1
            ? node.A
            : null;

    private static Tensor ProbabilityCrossEntropy(Tensor targets, Tensor predictions, int classes, bool sparse, string op)
    {
        int rows = predictions.Size / classes;
        var t = ContiguousOperand.Of(targets);
        var p = ContiguousOperand.Of(predictions);
        int invalidRow = -1;
        double total = sparse
            ? CrossEntropyKernels.SparseFromProbabilities(p.Span, t.Span, classes, out invalidRow)
            : CrossEntropyKernels.FromProbabilities(p.Span, t.Span, classes);
        float invalidLabel = invalidRow >= 0 ? t.Span[invalidRow] : 0f;
        ContiguousOperand.Release(t, targets);
        ContiguousOperand.Release(p, predictions);
        if (invalidRow >= 0) ThrowInvalidLabel(invalidLabel, invalidRow, classes, op);
        var loss = Scalar(total / rows);
        Node.Record(op, CrossEntropyBackward, loss, predictions, targets)?.Save(new CrossEntropySaved(classes, sparse, FromSoftmax: false));
        return loss;
    }

    // ---- their backward: d/dlogits = (softmax − target) / rows; d/dp of the clipped form --------------

    private static void CrossEntropyBackward(Node n, Tensor g)
    {
        Tensor input = n.A!, targets = n.B!; // the logits, or the probabilities
        var (classes, sparse, fromSoftmax) = n.State<CrossEntropySaved>();
        // From logits the derivative reads their softmax: computed and kept by the op, or the softmax op's output (input C).
        var source = fromSoftmax ? n.Kept.First ?? n.C! : input;
        float scale = g.Item() * classes / input.Size;
        var t = ContiguousOperand.Of(targets);
        var p = ContiguousOperand.Of(source);
        var gradient = Tensor.Uninitialized(input.Shape);
        switch (fromSoftmax, sparse)
        {
            case (true, true): CrossEntropyKernels.SparseSoftmaxBackward(p.Span, t.Span, classes, scale, gradient.Span); break;
            case (true, false): CrossEntropyKernels.SoftmaxBackward(p.Span, t.Span, classes, scale, gradient.Span); break;
            case (false, true): CrossEntropyKernels.SparseProbabilityBackward(p.Span, t.Span, classes, scale, gradient.Span); break;
            default: CrossEntropyKernels.ProbabilityBackward(p.Span, t.Span, classes, scale, gradient.Span); break;
        }
        ContiguousOperand.Release(p, source);
        ContiguousOperand.Release(t, targets);
        GradientEngine.Accumulate(input, gradient);
    }

    // ---- binary cross-entropy from logits: d/dx = (sigmoid(x) − z) / n ------------------------------------

    /// <summary>
    /// Binary cross-entropy between 0/1 targets and <paramref name="predictions"/> (probabilities, or logits
    /// when <paramref name="fromLogits"/>), averaged over the last axis and then over rows, as Keras.
    /// </summary>
    public static Tensor BinaryCrossentropy(Tensor targets, Tensor predictions, bool fromLogits = false)
    {
        const string op = "binary_crossentropy";
        targets = MatchTargetRank(targets, predictions, op);
        CheckSameShape(targets, predictions, op);
        return fromLogits
            ? LogisticLoss(targets, predictions, sigmoid: null, op)
            : PointwiseLoss(targets, predictions, new BinaryCrossentropyTerm(), new LossSaved(predictions.Size, 0f), op, BinaryCrossentropyBackward);
    }

    /// <summary>
    /// <see cref="BinaryCrossentropy"/> of the output of a sigmoid: from that sigmoid's logits and values while its
    /// graph is alive (the stable form), else from the probabilities.
    /// </summary>
    internal static Tensor BinaryCrossentropyOfSigmoid(Tensor targets, Tensor probabilities)
    {
        const string op = "binary_crossentropy";
        if (probabilities._node is not { } node || node.Rule != (BackwardRule)SigmoidBackward) return BinaryCrossentropy(targets, probabilities);
        targets = MatchTargetRank(targets, probabilities, op);
        CheckSameShape(targets, probabilities, op);
        return LogisticLoss(targets, node.A!, probabilities, op);
    }

    /// <summary>
    /// The mean of softplus(x) − x·z; the sigmoid of x, for backward, is <paramref name="sigmoid"/> (a sigmoid op's
    /// output, which becomes the node's third input) or computed here and kept.
    /// </summary>
    private static Tensor LogisticLoss(Tensor targets, Tensor logits, Tensor? sigmoid, string op)
    {
        var t = ContiguousOperand.Of(targets);
        var x = ContiguousOperand.Of(logits);
        var loss = Scalar(VectorSum.Of(new LogisticLossTerm(), x.Span, t.Span) / Math.Max(1, logits.Size));
        Tensor? computed = null;
        if (sigmoid is null)
        {
            computed = Tensor.Uninitialized(logits.Shape);
            ParallelSpans.Unary(new SigmoidFunction(), x.Pointer, computed.Pointer, computed._size);
        }
        ContiguousOperand.Release(t, targets);
        ContiguousOperand.Release(x, logits);
        var node = sigmoid is null
            ? Node.Record(op, LogisticLossBackward, loss, logits, targets)
            : Node.Record(op, LogisticLossBackward, loss, logits, targets, sigmoid);
        if (node is null) computed?.Recycle();
        else
        {
            node.Save(new LossSaved(logits.Size, 0f));
            node.Keep(computed);
        }
        return loss;
    }

    private static void LogisticLossBackward(Node n, Tensor g)
    {
        var sigmoid = n.Kept.First ?? n.C!;
        PointwiseGradient(n, g, sigmoid, new LogisticLossGradient(LossScale(n, g)), symmetric: false);
    }

    // ---- binary cross-entropy from probabilities: d/dp = (p − z) / (p(1 − p)) / n -------------------------

    private static void BinaryCrossentropyBackward(Node n, Tensor g) =>
        PointwiseGradient(n, g, n.A!, new BinaryCrossentropyGradient(LossScale(n, g)), symmetric: false);

    // ---- mean squared error: d/dp = 2(p − t) / n ----------------------------------------------------------

    /// <summary>Mean of (prediction − target)² (Keras' mean_squared_error).</summary>
    public static Tensor MeanSquaredError(Tensor targets, Tensor predictions) =>
        PointwiseLoss(targets, predictions, new SquaredError(), "mean_squared_error", MeanSquaredErrorBackward);

    private static void MeanSquaredErrorBackward(Node n, Tensor g) =>
        PointwiseGradient(n, g, n.A!, new SquaredErrorGradient(LossScale(n, g)), symmetric: true);

    // ---- mean absolute error: d/dp = sign(p − t) / n ------------------------------------------------------

    /// <summary>Mean of |prediction − target| (Keras' mean_absolute_error).</summary>
    public static Tensor MeanAbsoluteError(Tensor targets, Tensor predictions) =>
        PointwiseLoss(targets, predictions, new AbsoluteError(), "mean_absolute_error", MeanAbsoluteErrorBackward);

    private static void MeanAbsoluteErrorBackward(Node n, Tensor g) =>
        PointwiseGradient(n, g, n.A!, new AbsoluteErrorGradient(LossScale(n, g)), symmetric: true);

    // ---- huber: d/dp = clamp(p − t, −δ, δ) / n ------------------------------------------------------------

    /// <summary>Huber loss: ½e² for |e| ≤ δ, else δ(|e| − ½δ), averaged (Keras default δ = 1).</summary>
    public static Tensor Huber(Tensor targets, Tensor predictions, float delta = 1f)
    {
        const string op = "huber";
        if (!(delta > 0) || !float.IsFinite(delta))
            throw new ArgumentOutOfRangeException(nameof(delta), delta, $"{op}: delta must be a finite number > 0; got {delta}.");
        targets = MatchTargetRank(targets, predictions, op);
        CheckSameShape(targets, predictions, op);
        return PointwiseLoss(targets, predictions, new HuberError(delta), new LossSaved(predictions.Size, delta), op, HuberBackward);
    }

    private static void HuberBackward(Node n, Tensor g) =>
        PointwiseGradient(n, g, n.A!, new HuberErrorGradient(n.State<LossSaved>().Delta, LossScale(n, g)), symmetric: true);

    // ---- kl divergence: d/dp = −clip(t) / p / rows where p is unclipped -----------------------------------

    /// <summary>
    /// Kullback–Leibler divergence Σ t·log(t / p) over the last axis with both clipped to [ε, 1], averaged
    /// over rows (Keras' kl_divergence).
    /// </summary>
    public static Tensor KLDivergence(Tensor targets, Tensor predictions)
    {
        const string op = "kl_divergence";
        targets = MatchTargetRank(targets, predictions, op);
        CheckSameShape(targets, predictions, op);
        int rows = predictions.Size / Math.Max(1, LastDim(predictions)); // it sums over the last axis, then averages rows
        return PointwiseLoss(targets, predictions, new KLDivergenceTerm(), new LossSaved(rows, 0f), op, KLDivergenceBackward);
    }

    private static void KLDivergenceBackward(Node n, Tensor g) =>
        PointwiseGradient(n, g, n.A!, new KLDivergenceGradient(LossScale(n, g)), symmetric: false);

    // ---- the elementwise losses' shared forward and backward ----------------------------------------------

    /// <summary>What an elementwise loss keeps for backward: what its sum was divided by, and Huber's δ.</summary>
    private readonly record struct LossSaved(int Divisor, float Delta);

    /// <summary>The mean over every element of <typeparamref name="TTerm"/>, after Keras' target-shape checks.</summary>
    private static Tensor PointwiseLoss<TTerm>(Tensor targets, Tensor predictions, in TTerm term, string op, BackwardRule rule)
        where TTerm : struct, IBinaryFunction
    {
        targets = MatchTargetRank(targets, predictions, op);
        CheckSameShape(targets, predictions, op);
        return PointwiseLoss(targets, predictions, term, new LossSaved(predictions.Size, 0f), op, rule);
    }

    /// <summary>Σ <typeparamref name="TTerm"/>(prediction, target) / divisor, recording <paramref name="rule"/> with <paramref name="saved"/>.</summary>
    private static Tensor PointwiseLoss<TTerm>(Tensor targets, Tensor predictions, in TTerm term, LossSaved saved, string op, BackwardRule rule)
        where TTerm : struct, IBinaryFunction
    {
        var t = ContiguousOperand.Of(targets);
        var p = ContiguousOperand.Of(predictions);
        var loss = Scalar(VectorSum.Of(term, p.Span, t.Span) / Math.Max(1, saved.Divisor));
        ContiguousOperand.Release(t, targets);
        ContiguousOperand.Release(p, predictions);
        Node.Record(op, rule, loss, predictions, targets)?.Save(saved);
        return loss;
    }

    /// <summary>The upstream gradient (a scalar) over the loss's divisor: the factor every element's derivative takes.</summary>
    private static float LossScale(Node n, Tensor g) => g.Item() / Math.Max(1, n.State<LossSaved>().Divisor);

    /// <summary>
    /// d/d(input A) = <typeparamref name="TGradient"/>(<paramref name="first"/>, target) elementwise, where
    /// <paramref name="first"/> is the prediction (or what the derivative reads instead, a sigmoid); targets that require
    /// grad get the negative when the loss is <paramref name="symmetric"/> in prediction and target (the regression losses).
    /// </summary>
    private static void PointwiseGradient<TGradient>(Node n, Tensor g, Tensor first, in TGradient derivative, bool symmetric)
        where TGradient : struct, IBinaryFunction
    {
        Tensor predictions = n.A!, targets = n.B!;
        var t = ContiguousOperand.Of(targets);
        var f = ContiguousOperand.Of(first);
        var gradient = Tensor.Uninitialized(predictions.Shape);
        VectorLoop.Map(derivative, f.Span, t.Span, gradient.Span);
        ContiguousOperand.Release(f, first);
        ContiguousOperand.Release(t, targets);
        if (symmetric && targets._requiresGrad) GradientEngine.Accumulate(targets, Scaled(gradient, -1f));
        GradientEngine.Accumulate(predictions, gradient);
    }

    // ---- shared checks ------------------------------------------------------------------------------------

    private static Tensor Scalar(double value)
    {
        var t = Tensor.Uninitialized(new TensorShape());
        t.Span[0] = (float)value;
        return t;
    }

    private static int LastDim(Tensor t) => t.Rank == 0 ? 1 : t.Shape[-1];

    private static int CheckClassScores(Tensor predictions, string op)
    {
        predictions.ThrowIfDisposed();
        if (predictions.Rank < 1 || predictions.Shape[-1] < 1)
            throw new ArgumentException($"{op}: y_pred must have a class axis last, e.g. (batch, classes); got shape {predictions.Shape}.");
        return predictions.Shape[-1];
    }

    /// <summary>The classes per row of <paramref name="predictions"/>, after checking there is one label per row.</summary>
    private static int CheckLabelRows(Tensor labels, Tensor predictions, string op)
    {
        int classes = CheckClassScores(predictions, op);
        int rows = predictions.Size / classes;
        labels.ThrowIfDisposed();
        if (labels.Size != rows)
            throw new ArgumentException($"{op}: y_true has shape {labels.Shape} ({labels.Size} labels) but y_pred has shape {predictions.Shape} ({rows} rows of {classes} classes); expected one label per row.");
        return classes;
    }

    /// <summary>
    /// The position of the first of <paramref name="labels"/> that is not a class index in [0, classes), and its
    /// value; -1 when all are. A model checks the whole target tensor with it once per Fit or Evaluate.
    /// </summary>
    internal static (int Index, float Value) FirstInvalidLabel(Tensor labels, int classes)
    {
        labels.ThrowIfDisposed();
        var l = ContiguousOperand.Of(labels);
        int index = CrossEntropyKernels.FirstInvalidLabel(l.Span, classes);
        float value = index < 0 ? 0f : l.Span[index];
        ContiguousOperand.Release(l, labels);
        return (index, value);
    }

    private static void ThrowInvalidLabel(float label, int position, int classes, string op) => throw new ArgumentException(
        $"{op}: label {label} at position {position} is not a class index in [0, {classes - 1}] (y_pred has {classes} classes).");

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
            return Tensor.ContiguousView(targets, predictions.Shape);
        return targets;
    }
}
