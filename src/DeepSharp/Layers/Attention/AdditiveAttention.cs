using System.Text.Json.Nodes;

namespace DeepSharp;

/// <summary>
/// Additive attention, as Keras' <c>AdditiveAttention</c> (Bahdanau-style): <c>layer.Call([query, value])</c> or
/// <c>[query, value, key]</c> on sequences (batch, steps, features); the score of query step i against key step j
/// is Σ_d scale_d · tanh(query_id + key_jd), with a learned <c>scale</c> per feature (or all ones without
/// <see cref="UseScale"/>); a softmax over the key steps weighs the value steps.
/// </summary>
public sealed class AdditiveAttention : BaseDenseAttention
{
    /// <summary>Creates the layer; arguments and defaults as Keras' AdditiveAttention.</summary>
    /// <param name="useScale">Whether to learn a scale per feature (Glorot-uniform at the start).</param>
    /// <param name="dropout">Fraction of the attention weights dropped in training, in [0, 1).</param>
    /// <param name="seed">Seed for the dropout masks; by default drawn from the global generator.</param>
    /// <param name="name">Layer name (default "additive_attention", ...).</param>
    public AdditiveAttention(bool useScale = true, double dropout = 0, long? seed = null, string? name = null)
        : base(dropout, seed, name)
    {
        UseScale = useScale;
    }

    /// <summary>Whether a scale per feature is learned.</summary>
    public bool UseScale { get; }

    /// <summary>The learned scale (query features), or null without <see cref="UseScale"/> (after build).</summary>
    public Tensor? ScaleWeight { get; private set; }

    /// <inheritdoc/>
    protected override string DefaultName => "additive_attention";

    /// <inheritdoc/>
    protected override void Build(IReadOnlyList<TensorShape> inputShapes)
    {
        if (UseScale) ScaleWeight = AddWeight("scale", [inputShapes[0][1]], new GlorotUniform());
    }

    /// <inheritdoc/>
    protected override Tensor Scores(Tensor query, Tensor key)
    {
        // (batch, Tq, 1, dim) + (batch, 1, Tv, dim) → tanh → weighted sum over dim.
        var hidden = Ops.Tanh(Ops.Add(Ops.Unsqueeze(query, 2), Ops.Unsqueeze(key, 1)));
        if (ScaleWeight is not null) hidden = Ops.Multiply(hidden, ScaleWeight);
        return Ops.Sum(hidden, axis: -1);
    }

    /// <inheritdoc/>
    public override JsonObject GetConfig()
    {
        var config = base.GetConfig();
        config["use_scale"] = UseScale;
        return config;
    }

    /// <summary>Recreates the layer from the configuration <see cref="GetConfig"/> wrote (Keras' <c>from_config</c>).</summary>
    public static AdditiveAttention FromConfig(JsonObject config)
    {
        var r = LayerConfigReader.ForLayer(config, nameof(AdditiveAttention));
        return r.Finish(new AdditiveAttention(r.Optional("use_scale", true), r.Optional("dropout", 0.0), r.Nullable<long>("seed"), r.Name));
    }
}
