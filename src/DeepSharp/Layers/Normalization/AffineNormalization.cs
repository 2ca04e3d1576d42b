using System.Text.Json.Nodes;

namespace DeepSharp;

/// <summary>
/// The shared base of the normalizations that standardize each sample on its own and then apply a learned affine map
/// (<see cref="LayerNormalization"/>, <see cref="GroupNormalization"/>): epsilon, the optional scale <c>gamma</c> and
/// offset <c>beta</c> with their initializers and penalties, and their part of the configuration. The subclass says
/// which axes are normalized and what shape gamma and beta take.
/// </summary>
public abstract class AffineNormalization : Layer
{
    private protected const float DefaultEpsilon = 1e-3f;
    private protected const bool CenterByDefault = true, ScaleByDefault = true;

    /// <summary>Validates and keeps the arguments shared by the affine normalizations.</summary>
    /// <param name="epsilon">Added to the variance before its square root; positive.</param>
    /// <param name="center">Whether to learn an offset <c>beta</c>.</param>
    /// <param name="scale">Whether to learn a scale <c>gamma</c>.</param>
    /// <param name="betaInitializer">Initializer of beta (default zeros).</param>
    /// <param name="gammaInitializer">Initializer of gamma (default ones).</param>
    /// <param name="betaRegularizer">Penalty on beta.</param>
    /// <param name="gammaRegularizer">Penalty on gamma.</param>
    /// <param name="name">Layer name.</param>
    /// <param name="inputShape">Per-sample input shape when this is a model's first layer.</param>
    private protected AffineNormalization(float epsilon, bool center, bool scale, Initializer? betaInitializer, Initializer? gammaInitializer,
        Regularizer? betaRegularizer, Regularizer? gammaRegularizer, string? name, PartialShape? inputShape)
        : base(name, inputShape)
    {
        if (!(epsilon > 0f) || !float.IsFinite(epsilon))
            throw new ArgumentOutOfRangeException(nameof(epsilon), epsilon, $"{GetType().Name}: epsilon must be a positive number; got {epsilon}.");
        Epsilon = epsilon;
        Center = center;
        Scale = scale;
        BetaInitializer = betaInitializer ?? new Zeros();
        GammaInitializer = gammaInitializer ?? new Ones();
        BetaRegularizer = betaRegularizer;
        GammaRegularizer = gammaRegularizer;
    }

    /// <summary>Added to the variance before its square root.</summary>
    public float Epsilon { get; }

    /// <summary>Whether an offset beta is learned.</summary>
    public bool Center { get; }

    /// <summary>Whether a scale gamma is learned.</summary>
    public bool Scale { get; }

    /// <summary>Initializer of beta.</summary>
    public Initializer BetaInitializer { get; }

    /// <summary>Initializer of gamma.</summary>
    public Initializer GammaInitializer { get; }

    /// <summary>Penalty on beta, if any.</summary>
    public Regularizer? BetaRegularizer { get; }

    /// <summary>Penalty on gamma, if any.</summary>
    public Regularizer? GammaRegularizer { get; }

    /// <summary>The learned scale (shaped like the channels or the normalized axes), or null without <see cref="Scale"/> (after build).</summary>
    public Tensor? Gamma { get; private set; }

    /// <summary>The learned offset (shaped like <see cref="Gamma"/>), or null without <see cref="Center"/> (after build).</summary>
    public Tensor? Beta { get; private set; }

    /// <summary>Creates gamma and beta (those asked for) of <paramref name="shape"/>; called from Build.</summary>
    private protected void AddAffineWeights(TensorShape shape)
    {
        if (Scale) Gamma = AddWeight("gamma", shape, GammaInitializer, GammaRegularizer);
        if (Center) Beta = AddWeight("beta", shape, BetaInitializer, BetaRegularizer);
    }

    /// <summary>y·gamma + beta, gamma and beta reshaped to <paramref name="broadcast"/> (those learned).</summary>
    private protected Tensor ApplyAffine(Tensor y, int[] broadcast)
    {
        if (Gamma is not null) y = Ops.Multiply(y, Ops.Reshape(Gamma, broadcast));
        if (Beta is not null) y = Ops.Add(y, Ops.Reshape(Beta, broadcast));
        return y;
    }

    /// <summary>Writes the subclass' own keys (its axes, groups) where Keras puts them: before epsilon.</summary>
    private protected abstract void WriteAxes(JsonObject config);

    /// <inheritdoc/>
    public override JsonObject GetConfig()
    {
        var config = base.GetConfig();
        WriteAxes(config);
        config["epsilon"] = Epsilon;
        config["center"] = Center;
        config["scale"] = Scale;
        config["beta_initializer"] = LayerConfigWriter.Initializer(BetaInitializer);
        config["gamma_initializer"] = LayerConfigWriter.Initializer(GammaInitializer);
        config["beta_regularizer"] = LayerConfigWriter.Regularizer(BetaRegularizer);
        config["gamma_regularizer"] = LayerConfigWriter.Regularizer(GammaRegularizer);
        return config;
    }
}
