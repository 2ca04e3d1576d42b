using System.Text.Json.Nodes;

namespace DeepSharp;

/// <summary>
/// What SimpleRNN, LSTM and GRU share, as Keras' <c>RNN</c> base: inputs [batch, timesteps, features], the
/// kernel [features, gates·units], the recurrent kernel [units, gates·units], input and recurrent dropout,
/// returnSequences, returnState and goBackwards. The whole sequence runs as one fused op whose backward is
/// back-propagation through time.
/// </summary>
public abstract class RecurrentLayer : Layer, IOutputHint, IMaskingLayer
{
    private readonly RandomGenerator _random;
    private readonly GateActivation _activation, _recurrentActivation;
    private Tensor? _callMask;

    /// <summary>Keras' defaults of the arguments every recurrent layer takes.</summary>
    private protected const bool UseBiasByDefault = true, ReturnSequencesByDefault = false, ReturnStateByDefault = false, GoBackwardsByDefault = false;

    /// <summary>Keras' default dropout rates: none.</summary>
    private protected const float NoDropout = 0f;

    /// <summary>Validates and stores the arguments every recurrent layer takes.</summary>
    private protected RecurrentLayer(int units, ActivationFunction? activation, ActivationFunction? recurrentActivation,
        bool useBias, Initializer? kernelInitializer, Initializer? recurrentInitializer, Initializer? biasInitializer,
        Regularizer? kernelRegularizer, Regularizer? recurrentRegularizer, Regularizer? biasRegularizer,
        Regularizer? activityRegularizer, double dropout, double recurrentDropout, bool returnSequences, bool returnState,
        bool goBackwards, long? seed, string? name, PartialShape? inputShape)
        : base(name, inputShape)
    {
        string kind = GetType().Name;
        if (units <= 0)
            throw new ArgumentOutOfRangeException(nameof(units), units, $"{kind}: units must be a positive integer; got {units}.");
        if ((long)units * (int)Cell > int.MaxValue) // the kernels are [features, gates·units]
            throw new ArgumentOutOfRangeException(nameof(units), units,
                $"{kind}: units = {units} makes {(int)Cell} gates of {units} = {(long)units * (int)Cell} columns, more than a tensor dimension holds ({int.MaxValue}).");
        if (!(dropout >= 0 && dropout < 1))
            throw new ArgumentOutOfRangeException(nameof(dropout), dropout, $"{kind}: dropout must be in [0, 1); got {dropout}.");
        if (!(recurrentDropout >= 0 && recurrentDropout < 1))
            throw new ArgumentOutOfRangeException(nameof(recurrentDropout), recurrentDropout, $"{kind}: recurrentDropout must be in [0, 1); got {recurrentDropout}.");
        Units = units;
        Activation = activation ?? Activations.Tanh;
        RecurrentActivation = recurrentActivation ?? Activations.Sigmoid;
        _activation = GateKind(Activation, nameof(activation), kind);
        _recurrentActivation = GateKind(RecurrentActivation, nameof(recurrentActivation), kind);
        UseBias = useBias;
        KernelInitializer = kernelInitializer ?? new GlorotUniform();
        RecurrentInitializer = recurrentInitializer ?? new Orthogonal();
        BiasInitializer = biasInitializer ?? new Zeros();
        KernelRegularizer = kernelRegularizer;
        RecurrentRegularizer = recurrentRegularizer;
        BiasRegularizer = biasRegularizer;
        ActivityRegularizer = activityRegularizer;
        DropoutRate = (float)dropout;
        RecurrentDropoutRate = (float)recurrentDropout;
        ReturnSequences = returnSequences;
        ReturnState = returnState;
        GoBackwards = goBackwards;
        Seed = seed;
        _random = AddRandomGenerator(seed);
    }

    /// <summary>Units (size of the hidden state and of the output).</summary>
    public int Units { get; }

    /// <summary>The activation of the candidate state and the output (tanh by default).</summary>
    public ActivationFunction Activation { get; }

    /// <summary>The activation of the gates (sigmoid by default; unused by SimpleRNN).</summary>
    public ActivationFunction RecurrentActivation { get; }

    /// <summary>Whether the layer has a bias.</summary>
    public bool UseBias { get; }

    /// <summary>Initializer of the input kernel.</summary>
    public Initializer KernelInitializer { get; }

    /// <summary>Initializer of the recurrent kernel.</summary>
    public Initializer RecurrentInitializer { get; }

    /// <summary>Initializer of the bias.</summary>
    public Initializer BiasInitializer { get; }

    /// <summary>Penalty on the input kernel, if any.</summary>
    public Regularizer? KernelRegularizer { get; }

    /// <summary>Penalty on the recurrent kernel, if any.</summary>
    public Regularizer? RecurrentRegularizer { get; }

    /// <summary>Penalty on the bias, if any.</summary>
    public Regularizer? BiasRegularizer { get; }

    /// <summary>Fraction of the input features dropped in training (one mask for all steps).</summary>
    public float DropoutRate { get; }

    /// <summary>Fraction of the state dropped on its way into the recurrent kernel in training (one mask for all steps).</summary>
    public float RecurrentDropoutRate { get; }

    /// <summary>Whether the output is the whole sequence [batch, timesteps, units] rather than the last step [batch, units].</summary>
    public bool ReturnSequences { get; }

    /// <summary>Whether <see cref="CallWithState"/> also returns the final states.</summary>
    public bool ReturnState { get; }

    /// <summary>Whether the sequence is processed last step first (and the output sequence returned reversed).</summary>
    public bool GoBackwards { get; }

    /// <summary>The seed of the dropout masks, if given.</summary>
    public long? Seed { get; }

    /// <summary>The input kernel [features, gates·units] (after build).</summary>
    public Tensor Kernel { get; private set; } = null!;

    /// <summary>The recurrent kernel [units, gates·units] (after build).</summary>
    public Tensor RecurrentKernel { get; private set; } = null!;

    /// <summary>The bias (after build), or null without bias.</summary>
    public Tensor? Bias { get; private set; }

    /// <summary>The number of states the cell carries (1; the LSTM carries 2: h and c).</summary>
    public int StateCount => Cell == RecurrentCellKind.Lstm ? 2 : 1;

    private protected abstract RecurrentCellKind Cell { get; }

    /// <summary>Whether a GRU's reset gate scales the recurrent product (Keras' reset_after); true for the other cells.</summary>
    private protected virtual bool ResetsAfter => true;

    /// <summary>The shape of the bias (Keras' layout).</summary>
    private protected virtual TensorShape BiasShape => [(int)Cell * Units];

    /// <summary>Initial bias values; the LSTM sets its forget gate to one here.</summary>
    private protected virtual void InitializeBias(Tensor bias)
    {
    }

    /// <inheritdoc/>
    /// <remarks>The time steps may be unknown: the same weights run at every step.</remarks>
    protected override bool AcceptsUnknownDimension(int axis, int rank) => axis == 0;

    /// <inheritdoc/>
    public override TensorShape ComputeOutputShape(TensorShape inputShape)
    {
        if (inputShape.Rank != 2)
        {
            string received = inputShape.Rank == 1
                ? $"2-D [batch, {inputShape[0]}] {FormatBatch(inputShape)}"
                : $"{inputShape.Rank + 1}-D {FormatBatch(inputShape)}";
            throw new ArgumentException(
                $"Layer '{Name}' ({ClassName}) expects 3-D input [batch, timesteps, features]; received {received}.");
        }
        if (inputShape[0] == 0)
            throw new ArgumentException($"Layer '{Name}' ({ClassName}) received a sequence with zero time steps {FormatBatch(inputShape)}; it needs at least one step.");
        return ReturnSequences ? [inputShape[0], Units] : [Units];
    }

    /// <inheritdoc/>
    protected override bool IsCompatibleInput(TensorShape built, TensorShape received) =>
        received.Rank == 2 && received[-1] == built[-1];

    /// <inheritdoc/>
    protected override void Build(TensorShape inputShape)
    {
        int gu = (int)Cell * Units;
        Kernel = AddWeight("kernel", [inputShape[-1], gu], KernelInitializer, KernelRegularizer);
        RecurrentKernel = AddWeight("recurrent_kernel", [Units, gu], RecurrentInitializer, RecurrentRegularizer);
        if (UseBias) Bias = AddWeight("bias", BiasShape, BiasInitializer, BiasRegularizer, initialized: InitializeBias);
    }

    /// <inheritdoc/>
    protected override Tensor Forward(Tensor inputs, bool training) => Run(inputs, null, _callMask, training, withState: false);

    /// <summary>Runs <see cref="Layer.Call(Tensor, bool)"/> with a step mask; the output keeps the mask only when it is a sequence.</summary>
    Tensor IMaskingLayer.CallMasked(Tensor inputs, ref Tensor? mask, bool training)
    {
        _callMask = mask;
        try
        {
            var output = Call(inputs, training);
            if (!ReturnSequences) mask = null;
            return output;
        }
        finally
        {
            _callMask = null;
        }
    }

    /// <summary>
    /// Runs the layer from given initial states and an optional step mask, as Keras' <c>layer(x,
    /// initial_state=..., mask=...)</c>. Returns [output] or, with <see cref="ReturnState"/>, [output, h] ([output,
    /// h, c] for the LSTM).
    /// </summary>
    /// <param name="inputs">[batch, timesteps, features].</param>
    /// <param name="initialState">Null (zeros), or <see cref="StateCount"/> tensors of shape [batch, units].</param>
    /// <param name="mask">Null, or [batch, timesteps] with 0 on steps to skip (the state is kept, the output is zero).</param>
    /// <param name="training">Whether dropout is active.</param>
    public Tensor[] CallWithState(Tensor inputs, IReadOnlyList<Tensor>? initialState = null, Tensor? mask = null, bool training = false)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        if (inputs.Rank != 3) ComputeOutputShape(Rank0Safe(inputs.Shape));
        EnsureBuilt(SampleShape(inputs.Shape));
        if (initialState is not null && initialState.Count != StateCount)
            throw new ArgumentException(
                $"Layer '{Name}' ({ClassName}) takes {StateCount} initial state tensor{(StateCount == 1 ? "" : "s")} " +
                $"({(StateCount == 1 ? "h" : "h, c")}), each [batch, {Units}]; got {initialState.Count}.", nameof(initialState));
        var packed = Run(inputs, initialState, mask, training, withState: true);
        return Unpack(packed, inputs.Shape[1]);
    }

    /// <summary>Runs the fused op; returns the packed [batch, slots, units] result when <paramref name="withState"/>, else the output.</summary>
    private Tensor Run(Tensor inputs, IReadOnlyList<Tensor>? initialState, Tensor? mask, bool training, bool withState)
    {
        var x = training && DropoutRate > 0
            ? Ops.Dropout(inputs, DropoutRate, [inputs.Shape[0], 1, inputs.Shape[2]], _random)
            : inputs;
        var recurrentMask = training && RecurrentDropoutRate > 0
            ? Ops.DropoutMask([inputs.Shape[0], Units], RecurrentDropoutRate, _random)
            : null;
        var options = new RecurrentOptions(Cell, _activation, _recurrentActivation, ReturnSequences, ReturnState && withState, GoBackwards, ResetsAfter);
        var packed = Ops.RecurrentSequence(x, Kernel, RecurrentKernel, Bias,
            initialState?[0], StateCount == 2 ? initialState?[1] : null, mask, recurrentMask, options, Label);
        recurrentMask?.Recycle();
        if (withState) return packed;
        return ReturnSequences ? packed : Ops.Reshape(packed, inputs.Shape[0], Units);
    }

    private Tensor[] Unpack(Tensor packed, int steps)
    {
        int batch = packed.Shape[0];
        var outputs = new Tensor[ReturnState ? 1 + StateCount : 1];
        outputs[0] = ReturnSequences
            ? (ReturnState ? Ops.Slice(packed, 1, 0, steps) : packed)
            : Ops.Reshape(ReturnState ? Ops.Slice(packed, 1, 0, 1) : packed, batch, Units);
        int first = ReturnSequences ? steps : 1;
        for (int i = 1; i < outputs.Length; i++)
            outputs[i] = Ops.Reshape(Ops.Slice(packed, 1, first + i - 1, first + i), batch, Units);
        return outputs;
    }

    private static TensorShape Rank0Safe(TensorShape shape) => shape.Rank == 0 ? shape : SampleShape(shape);

    /// <summary>Advice for a next layer that refuses this layer's output.</summary>
    string IOutputHint.HintForNextLayer() => ReturnSequences
        ? ""
        : $"Set returnSequences: true on '{Name}' ({ClassName}) so that it outputs the whole sequence [batch, timesteps, {Units}] " +
          $"instead of only the last step [batch, {Units}].";

    private static GateActivation GateKind(ActivationFunction activation, string argument, string kind) =>
        GateActivations.FromName(activation.Name) ?? throw new ArgumentException(
            $"{kind}: {argument} '{activation.Name}' cannot run inside the fused recurrent cell; use tanh, sigmoid, relu, " +
            "hard_sigmoid or linear.", argument);

    /// <inheritdoc/>
    public override JsonObject GetConfig()
    {
        var config = base.GetConfig();
        config["units"] = Units;
        config["activation"] = LayerConfigWriter.Activation(Activation);
        if (Cell != RecurrentCellKind.SimpleRnn) config["recurrent_activation"] = LayerConfigWriter.Activation(RecurrentActivation);
        config["use_bias"] = UseBias;
        config["kernel_initializer"] = LayerConfigWriter.Initializer(KernelInitializer);
        config["recurrent_initializer"] = LayerConfigWriter.Initializer(RecurrentInitializer);
        config["bias_initializer"] = LayerConfigWriter.Initializer(BiasInitializer);
        config["kernel_regularizer"] = LayerConfigWriter.Regularizer(KernelRegularizer);
        config["recurrent_regularizer"] = LayerConfigWriter.Regularizer(RecurrentRegularizer);
        config["bias_regularizer"] = LayerConfigWriter.Regularizer(BiasRegularizer);
        config["activity_regularizer"] = LayerConfigWriter.Regularizer(ActivityRegularizer);
        config["dropout"] = DropoutRate;
        config["recurrent_dropout"] = RecurrentDropoutRate;
        config["return_sequences"] = ReturnSequences;
        config["return_state"] = ReturnState;
        config["go_backwards"] = GoBackwards;
        config["seed"] = Seed;
        return config;
    }

    /// <summary>The arguments <see cref="GetConfig"/> saved, read back (absent ones null or the defaults the constructors share).</summary>
    private protected readonly record struct RecurrentArguments(ConfigReader Reader, int Units, ActivationFunction? Activation,
        ActivationFunction? RecurrentActivation, bool UseBias, Initializer? KernelInitializer, Initializer? RecurrentInitializer,
        Initializer? BiasInitializer, Regularizer? KernelRegularizer, Regularizer? RecurrentRegularizer, Regularizer? BiasRegularizer,
        Regularizer? ActivityRegularizer, float Dropout, float RecurrentDropout, bool ReturnSequences, bool ReturnState, bool GoBackwards,
        long? Seed)
    {
        /// <param name="config">The saved configuration.</param>
        /// <param name="owner">The class, for messages.</param>
        /// <param name="gated">Whether the cell has gates, hence a recurrent activation (LSTM, GRU; not SimpleRNN).</param>
        internal static RecurrentArguments Read(JsonObject config, string owner, bool gated = true)
        {
            var r = LayerConfigReader.ForLayer(config, owner);
            return new(r, r.Required<int>("units"), r.Activation("activation"), gated ? r.Activation("recurrent_activation") : null,
                r.Optional("use_bias", UseBiasByDefault), r.Initializer("kernel_initializer"), r.Initializer("recurrent_initializer"),
                r.Initializer("bias_initializer"), r.Regularizer("kernel_regularizer"), r.Regularizer("recurrent_regularizer"),
                r.Regularizer("bias_regularizer"), r.Regularizer("activity_regularizer"), r.Optional("dropout", NoDropout),
                r.Optional("recurrent_dropout", NoDropout), r.Optional("return_sequences", ReturnSequencesByDefault),
                r.Optional("return_state", ReturnStateByDefault), r.Optional("go_backwards", GoBackwardsByDefault), r.Nullable<long>("seed"));
        }
    }
}
