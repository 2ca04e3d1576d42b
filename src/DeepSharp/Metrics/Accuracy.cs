namespace DeepSharp;

/// <summary>
/// "accuracy" as Keras resolves it at compile time: sparse categorical accuracy with sparse categorical
/// cross-entropy, categorical accuracy with categorical cross-entropy, binary accuracy otherwise.
/// Its reported name stays as written ("accuracy" or "acc").
/// </summary>
public sealed class Accuracy(string name = "accuracy") : Metric(name)
{
    private Metric? _resolved;

    /// <inheritdoc/>
    public override Metric ResolveFor(Loss loss) => loss switch
    {
        SparseCategoricalCrossentropy => new SparseCategoricalAccuracy(Name),
        CategoricalCrossentropy or KLDivergence => new CategoricalAccuracy(Name),
        _ => new BinaryAccuracy(Name),
    };

    /// <inheritdoc/>
    public override void UpdateState(Tensor targets, Tensor predictions)
    {
        // Used outside Compile: decide from shapes, as Keras 3 does.
        _resolved ??= predictions.Rank >= 1 && predictions.Shape[-1] > 1
            ? targets.Rank == predictions.Rank && targets.Shape[-1] == predictions.Shape[-1]
                ? new CategoricalAccuracy(Name) : new SparseCategoricalAccuracy(Name)
            : new BinaryAccuracy(Name);
        _resolved.UpdateState(targets, predictions);
    }

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
}
