using System.Text.Json.Nodes;

namespace DeepSharp;

/// <summary>
/// Dot-product attention, as Keras' <c>Attention</c> (Luong-style): <c>layer.Call([query, value])</c> or
/// <c>[query, value, key]</c> on sequences (batch, steps, features); scores are query·keyᵀ ("dot") or
/// Σ tanh(query + key) over the features ("concat"), optionally times a learned scalar <c>scale</c>; a softmax over
/// the key steps weighs the value steps. Output: (batch, query steps, value features).
/// </summary>
public sealed class Attention : BaseDenseAttention
{
    private const string Dot = "dot", Concat = "concat";

    /// <summary>Creates the layer; arguments and defaults as Keras' Attention.</summary>
    /// <param name="useScale">Whether to learn a scalar that multiplies the scores (starts at one).</param>
    /// <param name="scoreMode">"dot" (query·keyᵀ) or "concat" (Σ tanh(query + key), times a learned scalar).</param>
    /// <param name="dropout">Fraction of the attention weights dropped in training, in [0, 1).</param>
    /// <param name="seed">Seed for the dropout masks; by default drawn from the global generator.</param>
    /// <param name="name">Layer name (default "attention", ...).</param>
    public Attention(bool useScale = false, string scoreMode = Dot, double dropout = 0, long? seed = null, string? name = null)
        : base(dropout, seed, name)
    {
        ArgumentNullException.ThrowIfNull(scoreMode);
        if (scoreMode is not (Dot or Concat))
            throw new ArgumentException($"Attention: scoreMode must be \"dot\" or \"concat\"; got \"{scoreMode}\".", nameof(scoreMode));
        UseScale = useScale;
        ScoreMode = scoreMode;
    }

    /// <summary>Whether a learned scalar multiplies the scores.</summary>
    public bool UseScale { get; }

    /// <summary>"dot" or "concat".</summary>
    public string ScoreMode { get; }

    /// <summary>The learned scalar scale, or null without <see cref="UseScale"/> (after build).</summary>
    public Tensor? ScaleWeight { get; private set; }

    /// <summary>The learned scalar of "concat" scores, or null in "dot" mode (after build).</summary>
    public Tensor? ConcatScoreWeight { get; private set; }

    /// <inheritdoc/>
    protected override string DefaultName => "attention";

    /// <inheritdoc/>
    protected override void Build(IReadOnlyList<TensorShape> inputShapes)
    {
        if (UseScale) ScaleWeight = AddWeight("scale", new TensorShape(), new Ones());
        if (ScoreMode == Concat) ConcatScoreWeight = AddWeight("concat_score_weight", new TensorShape(), new Ones());
    }

    /// <inheritdoc/>
    protected override Tensor Scores(Tensor query, Tensor key)
    {
        if (ScoreMode == Dot)
        {
            var scores = Ops.MatMul(query, Ops.Transpose(key, 1, 2));
            return ScaleWeight is null ? scores : Ops.Multiply(scores, ScaleWeight);
        }
        // (batch, Tq, 1, dim) + (batch, 1, Tv, dim), summed over dim after tanh.
        var sum = Ops.Add(Ops.Unsqueeze(query, 2), Ops.Unsqueeze(key, 1));
        if (ScaleWeight is not null) sum = Ops.Multiply(sum, ScaleWeight);
        return Ops.Multiply(Ops.Sum(Ops.Tanh(sum), axis: -1), ConcatScoreWeight!);
    }

    /// <inheritdoc/>
    public override JsonObject GetConfig()
    {
        var config = base.GetConfig();
        config["use_scale"] = UseScale;
        config["score_mode"] = ScoreMode;
        return config;
    }

    /// <summary>Recreates the layer from the configuration <see cref="GetConfig"/> wrote (Keras' <c>from_config</c>).</summary>
    public static Attention FromConfig(JsonObject config)
    {
        var r = LayerConfigReader.ForLayer(config, nameof(Attention));
        return r.Finish(new Attention(r.Optional("use_scale", false), r.OptionalString("score_mode") ?? Dot, r.Optional("dropout", 0.0),
            r.Nullable<long>("seed"), r.Name));
    }
}
