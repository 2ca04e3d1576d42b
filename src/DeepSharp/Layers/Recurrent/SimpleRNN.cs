using System.Text.Json.Nodes;

namespace DeepSharp;

/// <summary>
/// A fully connected recurrent layer, as Keras' <c>SimpleRNN</c>: h = activation(x·kernel + h₋₁·recurrentKernel + bias),
/// kernel [features, units], recurrent kernel [units, units], bias [units].
/// </summary>
public sealed class SimpleRNN : RecurrentLayer
{
    /// <summary>Creates the layer; arguments and defaults as Keras' SimpleRNN.</summary>
    /// <param name="units">Size of the state and output.</param>
    /// <param name="activation">Activation (tanh).</param>
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
    /// <param name="seed">Seed of the dropout masks.</param>
    /// <param name="name">Layer name (default "simple_rnn", "simple_rnn_1", ...).</param>
    /// <param name="inputShape">Per-sample input shape [timesteps, features] when this is a model's first layer.</param>
    public SimpleRNN(int units, ActivationFunction? activation = null, bool useBias = UseBiasByDefault,
        Initializer? kernelInitializer = null, Initializer? recurrentInitializer = null, Initializer? biasInitializer = null,
        Regularizer? kernelRegularizer = null, Regularizer? recurrentRegularizer = null,
        Regularizer? biasRegularizer = null, Regularizer? activityRegularizer = null, double dropout = NoDropout, double recurrentDropout = NoDropout,
        bool returnSequences = ReturnSequencesByDefault, bool returnState = ReturnStateByDefault, bool goBackwards = GoBackwardsByDefault, long? seed = null,
        string? name = null, PartialShape? inputShape = null)
        : base(units, activation, null, useBias, kernelInitializer, recurrentInitializer, biasInitializer,
            kernelRegularizer, recurrentRegularizer, biasRegularizer, activityRegularizer, dropout, recurrentDropout,
            returnSequences, returnState, goBackwards, seed, name, inputShape)
    {
    }

    /// <inheritdoc/>
    protected override string DefaultName => "simple_rnn";

    private protected override RecurrentCellKind Cell => RecurrentCellKind.SimpleRnn;

    /// <summary>Recreates the layer from the configuration <see cref="RecurrentLayer.GetConfig"/> wrote (Keras' <c>from_config</c>).</summary>
    public static SimpleRNN FromConfig(JsonObject config)
    {
        var a = RecurrentArguments.Read(config, nameof(SimpleRNN), gated: false);
        return a.Reader.Finish(new SimpleRNN(a.Units, a.Activation, a.UseBias, a.KernelInitializer, a.RecurrentInitializer, a.BiasInitializer,
            a.KernelRegularizer, a.RecurrentRegularizer, a.BiasRegularizer, a.ActivityRegularizer, a.Dropout, a.RecurrentDropout,
            a.ReturnSequences, a.ReturnState, a.GoBackwards, a.Seed, a.Reader.Name, a.Reader.InputShape));
    }
}
