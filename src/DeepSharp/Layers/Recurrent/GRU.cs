using System.Text.Json.Nodes;

namespace DeepSharp;

/// <summary>
/// Gated recurrent unit, as Keras' <c>GRU</c>: gates z, r, h along the kernel's columns (kernel [features, 3·units],
/// recurrent kernel [units, 3·units]), h = z·h₋₁ + (1 − z)·ĥ. With <c>reset_after=True</c> (Keras' default, cuDNN's and
/// PyTorch's form) the bias is [2, 3·units] (input bias, recurrent bias) and ĥ = activation(x_h + r·(h₋₁·R_h + b_h));
/// with <c>reset_after=False</c> (Keras 1's form, ONNX's default <c>linear_before_reset=0</c>) the bias is [3·units]
/// (input only) and ĥ = activation(x_h + (r·h₋₁)·R_h), the reset gate applied before the recurrent product.
/// </summary>
public sealed class GRU : RecurrentLayer
{
    private const bool ResetAfterByDefault = true;

    /// <summary>Creates the layer; arguments and defaults as Keras' GRU.</summary>
    /// <param name="units">Size of the state and output.</param>
    /// <param name="activation">Candidate activation (tanh).</param>
    /// <param name="recurrentActivation">Gate activation (sigmoid).</param>
    /// <param name="useBias">Whether to use a bias.</param>
    /// <param name="kernelInitializer">Input kernel initializer (glorot_uniform).</param>
    /// <param name="recurrentInitializer">Recurrent kernel initializer (orthogonal).</param>
    /// <param name="biasInitializer">Bias initializer (zeros).</param>
    /// <param name="kernelRegularizer">Penalty on the input kernel.</param>
    /// <param name="recurrentRegularizer">Penalty on the recurrent kernel.</param>
    /// <param name="biasRegularizer">Penalty on the bias.</param>
    /// <param name="activityRegularizer">Penalty on the output.</param>
    /// <param name="dropout">Fraction of input features dropped in training.</param>
    /// <param name="recurrentDropout">Fraction of the recurrent state dropped in training.</param>
    /// <param name="returnSequences">Output every step [batch, timesteps, units] instead of the last [batch, units].</param>
    /// <param name="returnState">Also return the final state from <see cref="RecurrentLayer.CallWithState"/>.</param>
    /// <param name="goBackwards">Process the sequence backwards and return the reversed sequence.</param>
    /// <param name="resetAfter">Apply the reset gate after the recurrent product (true, Keras' default) or to the state before it (false).</param>
    /// <param name="seed">Seed of the dropout masks.</param>
    /// <param name="name">Layer name (default "gru", "gru_1", ...).</param>
    /// <param name="inputShape">Per-sample input shape [timesteps, features] when this is a model's first layer.</param>
    public GRU(int units, ActivationFunction? activation = null, ActivationFunction? recurrentActivation = null, bool useBias = UseBiasByDefault,
        Initializer? kernelInitializer = null, Initializer? recurrentInitializer = null, Initializer? biasInitializer = null,
        Regularizer? kernelRegularizer = null, Regularizer? recurrentRegularizer = null,
        Regularizer? biasRegularizer = null, Regularizer? activityRegularizer = null, double dropout = NoDropout, double recurrentDropout = NoDropout,
        bool returnSequences = ReturnSequencesByDefault, bool returnState = ReturnStateByDefault, bool goBackwards = GoBackwardsByDefault,
        bool resetAfter = ResetAfterByDefault, long? seed = null,
        string? name = null, PartialShape? inputShape = null)
        : base(units, activation, recurrentActivation, useBias, kernelInitializer, recurrentInitializer, biasInitializer,
            kernelRegularizer, recurrentRegularizer, biasRegularizer, activityRegularizer, dropout, recurrentDropout,
            returnSequences, returnState, goBackwards, seed, name, inputShape)
    {
        ResetAfter = resetAfter;
    }

    /// <summary>Whether the reset gate is applied after the recurrent product (true) or to the previous state before it (false).</summary>
    public bool ResetAfter { get; }

    private protected override bool ResetsAfter => ResetAfter;

    /// <inheritdoc/>
    protected override string DefaultName => "gru";

    private protected override RecurrentCellKind Cell => RecurrentCellKind.Gru;

    private protected override TensorShape BiasShape => ResetAfter ? [2, 3 * Units] : [3 * Units];

    /// <inheritdoc/>
    public override JsonObject GetConfig()
    {
        var config = base.GetConfig();
        config["reset_after"] = ResetAfter;
        return config;
    }

    /// <summary>Recreates the layer from the configuration <see cref="GetConfig"/> wrote (Keras' <c>from_config</c>).</summary>
    public static GRU FromConfig(JsonObject config)
    {
        var a = RecurrentArguments.Read(config, nameof(GRU));
        return a.Reader.Finish(new GRU(a.Units, a.Activation, a.RecurrentActivation, a.UseBias, a.KernelInitializer, a.RecurrentInitializer, a.BiasInitializer,
            a.KernelRegularizer, a.RecurrentRegularizer, a.BiasRegularizer, a.ActivityRegularizer, a.Dropout, a.RecurrentDropout,
            a.ReturnSequences, a.ReturnState, a.GoBackwards, a.Reader.Optional("reset_after", ResetAfterByDefault), a.Seed,
            a.Reader.Name, a.Reader.InputShape));
    }
}
