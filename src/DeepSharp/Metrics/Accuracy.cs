namespace DeepSharp;

/// <summary>
/// "accuracy" (or "acc") as Keras resolves it: at the first batch, from the shapes of the targets and the
/// predictions, whatever the loss (a custom one too) — binary accuracy when the outputs' last dimension is 1,
/// sparse categorical accuracy when the targets have one dimension fewer than the outputs or a last dimension
/// of 1 against several outputs, categorical accuracy otherwise. Its reported name stays as written.
/// </summary>
public sealed class Accuracy(string name = "accuracy") : Metric(name)
{
    private Metric? _resolved;

    /// <summary>The metric the first batch resolved to (null before any batch).</summary>
    public Metric? Resolved => _resolved;

    /// <summary>What Keras 2 chose from the loss alone; kept for callers that ask, <c>Compile</c> decides from shapes.</summary>
    public override Metric ResolveFor(Loss loss) => loss switch
    {
        SparseCategoricalCrossentropy => new SparseCategoricalAccuracy(Name),
        CategoricalCrossentropy or KLDivergence => new CategoricalAccuracy(Name),
        _ => new BinaryAccuracy(Name),
    };

    /// <inheritdoc/>
    public override void UpdateState(Tensor targets, Tensor predictions) => UpdateState(targets, predictions, null);

    /// <inheritdoc/>
    public override void UpdateState(Tensor targets, Tensor predictions, Tensor? sampleWeight)
    {
        _resolved ??= For(KindOf(targets.Shape, predictions.Shape));
        _resolved.UpdateState(targets, predictions, sampleWeight);
    }

    /// <summary>The kind the first batch decided (null before any batch).</summary>
    internal TargetKind? Kind => _resolved switch
    {
        BinaryAccuracy => TargetKind.Binary,
        SparseCategoricalAccuracy => TargetKind.SparseCategorical,
        CategoricalAccuracy => TargetKind.Categorical,
        _ => null,
    };

    /// <summary>
    /// Decides the kind before any batch, as an earlier run's first batch did: a training checkpoint taken inside an
    /// epoch restores the totals before the resumed epoch's next batch.
    /// </summary>
    /// <exception cref="InvalidOperationException">A batch already decided another kind.</exception>
    internal void ResolveAs(TargetKind kind)
    {
        _resolved ??= For(kind);
        if (Kind != kind)
            throw new InvalidOperationException($"Metric '{Name}': its batches are of {Kind} targets, not {kind}.");
    }

    private Metric For(TargetKind kind) => kind switch
    {
        TargetKind.Binary => new BinaryAccuracy(Name),
        TargetKind.SparseCategorical => new SparseCategoricalAccuracy(Name),
        _ => new CategoricalAccuracy(Name),
    };

    /// <inheritdoc/>
    public override double Result() => _resolved?.Result() ?? 0;

    /// <inheritdoc/>
    public override void ResetState() => _resolved?.ResetState();

    /// <summary>The totals of the accuracy it stands for (correct, seen); zeros before the first batch.</summary>
    public override double[] GetState() => _resolved?.GetState() ?? [0, 0];

    /// <inheritdoc/>
    public override void SetState(ReadOnlySpan<double> state)
    {
        if (_resolved is not null) _resolved.SetState(state);
        else if (state.Length != 2)
            throw new ArgumentException($"Metric '{Name}': its state is 2 values (correct, seen); got {state.Length}.", nameof(state));
        else if (state[1] != 0)
            throw new InvalidOperationException($"Metric '{Name}': it has seen no batch yet, so it does not know which accuracy it is; give it a batch before setting its totals.");
    }

    /// <summary>Keras' rule (trainers/compile_utils.py): which kind of targets these shapes stand for.</summary>
    internal static TargetKind KindOf(TensorShape targets, TensorShape predictions)
    {
        int predictionsLast = predictions.Rank == 0 ? 1 : predictions[-1];
        int targetsLast = targets.Rank == 0 ? 1 : targets[-1];
        if (predictionsLast == 1) return TargetKind.Binary;
        if (targets.Rank < predictions.Rank || (targetsLast == 1 && predictionsLast > 1)) return TargetKind.SparseCategorical;
        return TargetKind.Categorical;
    }
}
