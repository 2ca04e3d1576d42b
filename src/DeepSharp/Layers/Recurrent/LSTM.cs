using System.Text.Json.Nodes;

namespace DeepSharp;

/// <summary>
/// Long short-term memory, as Keras' <c>LSTM</c>: gates i, f, c, o in that order along the kernel's columns
/// (kernel [features, 4·units], recurrent kernel [units, 4·units], bias [4·units]);
/// c = f·c₋₁ + i·activation(·), h = o·activation(c).
/// </summary>
public sealed class LSTM : RecurrentLayer
{
    private const bool UnitForgetBiasByDefault = true;

    /// <summary>Creates the layer; arguments and defaults as Keras' LSTM.</summary>
    /// <param name="units">Size of the state and output.</param>
    /// <param name="activation">Candidate and output activation (tanh).</param>
    /// <param name="recurrentActivation">Gate activation (sigmoid).</param>
    /// <param name="useBias">Whether to use a bias.</param>
    /// <param name="kernelInitializer">Input kernel initializer (glorot_uniform).</param>
    /// <param name="recurrentInitializer">Recurrent kernel initializer (orthogonal).</param>
    /// <param name="biasInitializer">Bias initializer (zeros).</param>
    /// <param name="unitForgetBias">Add one to the forget gate's bias at initialization (Jozefowicz et al.).</param>
    /// <param name="kernelRegularizer">Penalty on the input kernel.</param>
    /// <param name="recurrentRegularizer">Penalty on the recurrent kernel.</param>
    /// <param name="biasRegularizer">Penalty on the bias.</param>
    /// <param name="activityRegularizer">Penalty on the output.</param>
    /// <param name="dropout">Fraction of input features dropped in training.</param>
    /// <param name="recurrentDropout">Fraction of the recurrent state dropped in training.</param>
    /// <param name="returnSequences">Output every step [batch, timesteps, units] instead of the last [batch, units].</param>
    /// <param name="returnState">Also return the final states from <see cref="RecurrentLayer.CallWithState"/>.</param>
    /// <param name="goBackwards">Process the sequence backwards and return the reversed sequence.</param>
    /// <param name="seed">Seed of the dropout masks.</param>
    /// <param name="name">Layer name (default "lstm", "lstm_1", ...).</param>
    /// <param name="inputShape">Per-sample input shape [timesteps, features] when this is a model's first layer.</param>
    public LSTM(int units, ActivationFunction? activation = null, ActivationFunction? recurrentActivation = null, bool useBias = UseBiasByDefault,
        Initializer? kernelInitializer = null, Initializer? recurrentInitializer = null, Initializer? biasInitializer = null,
        bool unitForgetBias = UnitForgetBiasByDefault, Regularizer? kernelRegularizer = null, Regularizer? recurrentRegularizer = null,
        Regularizer? biasRegularizer = null, Regularizer? activityRegularizer = null, double dropout = NoDropout, double recurrentDropout = NoDropout,
        bool returnSequences = ReturnSequencesByDefault, bool returnState = ReturnStateByDefault, bool goBackwards = GoBackwardsByDefault, long? seed = null,
        string? name = null, PartialShape? inputShape = null)
        : base(units, activation, recurrentActivation, useBias, kernelInitializer, recurrentInitializer, biasInitializer,
            kernelRegularizer, recurrentRegularizer, biasRegularizer, activityRegularizer, dropout, recurrentDropout,
            returnSequences, returnState, goBackwards, seed, name, inputShape)
    {
        UnitForgetBias = unitForgetBias;
    }

    /// <summary>Whether the forget gate's bias starts at one.</summary>
    public bool UnitForgetBias { get; }

    /// <inheritdoc/>
    protected override string DefaultName => "lstm";

    private protected override RecurrentCellKind Cell => RecurrentCellKind.Lstm;

    private protected override void InitializeBias(Tensor bias)
    {
        if (UnitForgetBias) Ops.FillRange(bias, Units, Units, 1f);
    }

    /// <inheritdoc/>
    public override JsonObject GetConfig()
    {
        var config = base.GetConfig();
        config["unit_forget_bias"] = UnitForgetBias;
        return config;
    }

    /// <summary>Recreates the layer from the configuration <see cref="GetConfig"/> wrote (Keras' <c>from_config</c>).</summary>
    public static LSTM FromConfig(JsonObject config)
    {
        var a = RecurrentArguments.Read(config, nameof(LSTM));
        return a.Reader.Finish(new LSTM(a.Units, a.Activation, a.RecurrentActivation, a.UseBias, a.KernelInitializer, a.RecurrentInitializer, a.BiasInitializer,
            a.Reader.Optional("unit_forget_bias", UnitForgetBiasByDefault), a.KernelRegularizer, a.RecurrentRegularizer, a.BiasRegularizer,
            a.ActivityRegularizer, a.Dropout, a.RecurrentDropout, a.ReturnSequences, a.ReturnState, a.GoBackwards, a.Seed,
            a.Reader.Name, a.Reader.InputShape));
    }
}
