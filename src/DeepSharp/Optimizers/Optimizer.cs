using System.Text.Json.Nodes;

namespace DeepSharp;

/// <summary>
/// Updates weights from their gradients, with Keras' semantics and defaults: a learning rate (a number or
/// a <see cref="LearningRateSchedule"/> of the step count), optional gradient clipping (per-variable
/// <see cref="ClipNorm"/>, <see cref="ClipValue"/>, or <see cref="GlobalClipNorm"/> across all variables)
/// and optional decoupled <see cref="WeightDecay"/>. Accepts a name where an optimizer is expected:
/// <c>optimizer: "adam"</c>.
/// </summary>
/// <remarks>
/// Subclasses implement <see cref="UpdateVariable"/> for one variable with its gradient; per-variable state
/// (moments, accumulators) is created on first use through <see cref="GetSlot"/> and kept between steps.
/// Steps allocate nothing once the state exists. The built-in optimizers update all the variables of a step in one
/// pass over memory shared out over the kernel threads (small variables together, large ones cut), with the values of
/// the update variable by variable.
/// </remarks>
public abstract partial class Optimizer
{
    private readonly Dictionary<Tensor, Tensor[]> _slots = new(ReferenceEqualityComparer.Instance);

    /// <summary>Sets the options every optimizer shares.</summary>
    protected Optimizer(LearningRateSchedule learningRate, float? clipNorm, float? clipValue, float? globalClipNorm, float? weightDecay)
    {
        ArgumentNullException.ThrowIfNull(learningRate);
        _learningRate = learningRate;
        ClipNorm = CheckPositive(clipNorm, nameof(clipNorm));
        ClipValue = CheckPositive(clipValue, nameof(clipValue));
        GlobalClipNorm = CheckPositive(globalClipNorm, nameof(globalClipNorm));
        // As Keras: the three clipping modes exclude one another (Keras would silently use only the first).
        if ((clipNorm is null ? 0 : 1) + (clipValue is null ? 0 : 1) + (globalClipNorm is null ? 0 : 1) > 1)
            throw new ArgumentException($"{GetType().Name}: only one of clipNorm, clipValue and globalClipNorm can be set; " +
                $"got clipNorm={Show(clipNorm)}, clipValue={Show(clipValue)}, globalClipNorm={Show(globalClipNorm)}.");
        if (weightDecay is { } wd && (!float.IsFinite(wd) || wd < 0))
            throw new ArgumentOutOfRangeException(nameof(weightDecay), weightDecay, $"{GetType().Name}: weightDecay must be a finite number >= 0; got {wd}.");
        WeightDecay = weightDecay;
    }

    /// <summary>The Keras name ("adam").</summary>
    public abstract string Name { get; }

    /// <summary>The learning rate, as a schedule of the step count (a constant when given a number).</summary>
    public LearningRateSchedule LearningRate
    {
        get => _learningRate;
        set
        {
            ArgumentNullException.ThrowIfNull(value);
            _learningRate = value;
        }
    }

    private LearningRateSchedule _learningRate;

    /// <summary>Steps taken so far (Keras' <c>iterations</c>).</summary>
    public long Iterations { get; private set; }

    /// <summary>If set, each variable's gradient is rescaled so its L2 norm is at most this.</summary>
    public float? ClipNorm { get; }

    /// <summary>If set, each gradient element is clipped to [-value, value].</summary>
    public float? ClipValue { get; }

    /// <summary>If set, all gradients are rescaled together so their joint L2 norm is at most this.</summary>
    public float? GlobalClipNorm { get; }

    /// <summary>If set, each step first shrinks every variable by <c>learningRate · weightDecay · w</c>.</summary>
    public float? WeightDecay { get; }

    /// <summary>The learning rate the next step will use.</summary>
    public float CurrentLearningRate => LearningRate.At(Iterations);

    /// <summary>
    /// Applies one step to <paramref name="variables"/> using their <see cref="Tensor.Grad"/> (variables with
    /// no gradient are skipped), then clears the gradients. Runs without recording a graph. The first step
    /// builds the optimizer for these variables (see <see cref="Build"/>).
    /// </summary>
    public void ApplyGradients(IReadOnlyList<Tensor> variables)
    {
        ArgumentNullException.ThrowIfNull(variables);
        Apply(null, variables, "ApplyGradients");
    }

    /// <summary>
    /// Applies one step with explicit gradients, as Keras' <c>apply_gradients(zip(grads, vars))</c>:
    /// <paramref name="gradients"/>[i] updates <paramref name="variables"/>[i]; a null gradient (a variable
    /// the loss does not depend on) skips its variable. The variables' <see cref="Tensor.Grad"/> is neither
    /// read nor changed. Clipping, if configured, rescales the given gradient tensors in place.
    /// </summary>
    /// <param name="gradients">One gradient per variable, each of its variable's shape (from <see cref="GradientTape"/>).</param>
    /// <param name="variables">The weights to update.</param>
    public void ApplyGradients(IReadOnlyList<Tensor?> gradients, IReadOnlyList<Tensor> variables)
    {
        ArgumentNullException.ThrowIfNull(gradients);
        ArgumentNullException.ThrowIfNull(variables);
        if (gradients.Count != variables.Count)
            throw new ArgumentException(
                $"{GetType().Name}.ApplyGradients: {gradients.Count} gradients were given for {variables.Count} variables; they must pair up one to one.",
                nameof(gradients));
        Apply(gradients, variables, "ApplyGradients");
    }

    /// <summary>
    /// Applies one step from (gradient, variable) pairs, as Keras' <c>apply_gradients(zip(grads, vars))</c>:
    /// <c>optimizer.ApplyGradients(grads.Zip(vars))</c>. See <see cref="ApplyGradients(IReadOnlyList{Tensor?}, IReadOnlyList{Tensor})"/>.
    /// </summary>
    public void ApplyGradients(IEnumerable<(Tensor? Gradient, Tensor Variable)> gradientsAndVariables)
    {
        ArgumentNullException.ThrowIfNull(gradientsAndVariables);
        var gradients = new List<Tensor?>();
        var variables = new List<Tensor>();
        foreach (var (gradient, variable) in gradientsAndVariables)
        {
            gradients.Add(gradient);
            variables.Add(variable);
        }
        Apply(gradients, variables, "ApplyGradients");
    }

    /// <summary>PyTorch-style spelling of <see cref="ApplyGradients(IReadOnlyList{Tensor})"/>: uses and clears <see cref="Tensor.Grad"/>.</summary>
    public void Step(IReadOnlyList<Tensor> parameters) => ApplyGradients(parameters);

    /// <summary>
    /// Registers the variables this optimizer updates, as Keras' <c>optimizer.build(var_list)</c>. It is called
    /// by the first step with that step's variables; afterwards a step on a variable that was never registered
    /// (the weights of another model) is refused, as Keras refuses an unknown variable. Calling it again adds
    /// variables (for example after unfreezing layers and compiling again).
    /// </summary>
    public void Build(IReadOnlyList<Tensor> variables)
    {
        ArgumentNullException.ThrowIfNull(variables);
        for (int i = 0; i < variables.Count; i++)
        {
            var variable = variables[i] ?? throw new ArgumentNullException(nameof(variables), $"{GetType().Name}.Build: variable {i} is null.");
            if (_known.Add(variable)) _variables.Add(variable);
        }
    }

    /// <summary>Whether the optimizer knows its variables (after <see cref="Build"/> or the first step).</summary>
    public bool IsBuilt => _variables.Count > 0;

    /// <summary>The variables registered with <see cref="Build"/> or by the first step.</summary>
    public IReadOnlyList<Tensor> Variables => _variables;

    /// <summary>Whether <paramref name="variable"/> is one this optimizer was built for.</summary>
    public bool Knows(Tensor variable) => _known.Contains(variable);

    /// <summary>Clears the <see cref="Tensor.Grad"/> of every registered variable, as PyTorch's <c>optimizer.zero_grad()</c>.</summary>
    public void ZeroGrad()
    {
        foreach (var variable in _variables) variable.ZeroGrad();
    }

    private readonly HashSet<Tensor> _known = new(ReferenceEqualityComparer.Instance);
    private readonly List<Tensor> _variables = [];

    /// <summary>One step: checks everything first (so a refused step changes nothing), then updates.</summary>
    private void Apply(IReadOnlyList<Tensor?>? gradients, IReadOnlyList<Tensor> variables, string caller)
    {
        float learningRate = CurrentLearningRate;
        if (!float.IsFinite(learningRate) || learningRate < 0)
            throw new InvalidOperationException($"{Name}: the learning rate at step {Iterations} is {learningRate}; it must be a finite number >= 0.");
        bool building = !IsBuilt;
        for (int i = 0; i < variables.Count; i++)
        {
            var variable = variables[i] ?? throw new ArgumentNullException(nameof(variables), $"{GetType().Name}.{caller}: variable {i} is null.");
            var gradient = gradients is null ? variable.Grad : gradients[i];
            if (!building && !_known.Contains(variable)) ThrowUnknown(variable, caller);
            if (gradient is null) continue;
            if (gradient.IsDisposed)
                throw new ObjectDisposedException(nameof(Tensor), $"{GetType().Name}.{caller}: the gradient of variable {i}{Describe(variable)} was disposed.");
            if (gradient.Shape != variable.Shape)
            {
                string message = $"{GetType().Name}: variable {i}{Describe(variable)} has shape {variable.Shape} but its gradient has shape {gradient.Shape}.";
                if (gradients is null) throw new InvalidOperationException(message);
                throw new ArgumentException(message + " Pass gradients in the order of their variables.", nameof(gradients));
            }
        }
        if (building) Build(variables);

        using var noGrad = Autograd.NoGrad();
        using var unscoped = TensorScope.Suspend();
        float globalScale = GlobalClipNorm is { } limit
            ? gradients is null ? GradientClipping.GlobalScale(variables, limit) : GradientClipping.GlobalScaleOfGradients(gradients, limit)
            : 1f;
        BeginStep();
        if (StepsTogether && UpdatesTogether && ApplyTogether(gradients, variables, learningRate, globalScale))
        {
            Iterations++;
            return;
        }
        for (int i = 0; i < variables.Count; i++)
        {
            var variable = variables[i];
            var gradient = gradients is null ? variable.Grad : gradients[i];
            if (gradient is null) continue;
            Tensor? copy = gradient.IsContiguous ? null : gradient.ContiguousCopy();
            var used = copy ?? gradient;
            if (globalScale != 1f) GradientClipping.Scale(used, globalScale);
            if (ClipNorm is { } norm) GradientClipping.ClipNorm(used, norm);
            if (ClipValue is { } value) GradientClipping.ClipValue(used, value);
            if (WeightDecay is { } decay && decay > 0 && !FusesWeightDecay) ParameterUpdates.Decay(variable, learningRate * decay);
            UpdateVariable(variable, used, learningRate);
            copy?.Recycle();
            if (gradients is null) variable.ZeroGrad();
        }
        Iterations++;
    }

    private void ThrowUnknown(Tensor variable, string caller)
    {
        var names = string.Join(", ", _variables.Take(4).Select(v => v.Name ?? $"unnamed {v.Shape}")) + (_variables.Count > 4 ? ", ..." : "");
        throw new InvalidOperationException(
            $"{GetType().Name}.{caller}: unknown variable{Describe(variable)} of shape {variable.Shape}. This optimizer was built for " +
            $"{_variables.Count} variables ({names}); a variable of another model cannot share its state. Use one optimizer per model, " +
            "or call Build with every variable it will update before the first step.");
    }

    private static string Describe(Tensor variable) => variable.Name is null ? "" : $" ('{variable.Name}')";

    /// <summary>
    /// Called once per step, before the variables are updated, for state shared by all variables (Nadam's
    /// momentum-schedule product). <see cref="Iterations"/> still counts the steps before this one.
    /// </summary>
    protected virtual void BeginStep()
    {
    }

    /// <summary>
    /// True when <see cref="UpdateVariable"/> applies the decoupled weight decay itself, in the same pass over
    /// memory as its update (it must then scale the weight by <c>1 − learningRate · WeightDecay</c> first).
    /// </summary>
    protected virtual bool FusesWeightDecay => false;

    /// <summary>Updates one variable in place from its (already clipped) gradient.</summary>
    /// <param name="variable">The weight to update.</param>
    /// <param name="gradient">Its gradient, same shape.</param>
    /// <param name="learningRate">The learning rate for this step.</param>
    protected abstract void UpdateVariable(Tensor variable, Tensor gradient, float learningRate);

    /// <summary>
    /// The optimizer's state tensor number <paramref name="index"/> of <paramref name="count"/> for a
    /// variable, created (filled with <paramref name="initialValue"/>) on first use.
    /// </summary>
    protected Tensor GetSlot(Tensor variable, int index, int count, float initialValue = 0f) =>
        GetSlots(variable, count, initialValue)[index];

    /// <summary>
    /// The optimizer's <paramref name="count"/> state tensors for a variable, created (filled with
    /// <paramref name="initialValue"/>) on first use; one look-up for all of them.
    /// </summary>
    protected Tensor[] GetSlots(Tensor variable, int count, float initialValue = 0f)
    {
        if (!_slots.TryGetValue(variable, out var slots))
        {
            slots = new Tensor[count];
            using (TensorScope.Suspend())
                for (int i = 0; i < count; i++)
                {
                    slots[i] = Tensor.Full(variable.Shape, initialValue);
                    slots[i].Name = variable.Name is null ? null : $"{Name}/{variable.Name}/{i}";
                }
            _slots[variable] = slots;
        }
        else if (slots.Length != count)
            throw new InvalidOperationException($"{GetType().Name}: the state of a variable was created with {slots.Length} slots, now asked for {count}.");
        return slots;
    }

    /// <summary>The state tensors kept for <paramref name="variable"/> (empty before its first step).</summary>
    public IReadOnlyList<Tensor> Slots(Tensor variable) => _slots.TryGetValue(variable, out var s) ? s : [];

    /// <summary>
    /// A copy of the whole state: steps taken, every registered variable's slots (in <see cref="Variables"/> order),
    /// the values kept across steps, and the learning rate. <see cref="SetState"/> on a like optimizer continues from it.
    /// </summary>
    public OptimizerState GetState()
    {
        var slots = new IReadOnlyList<float[]>[_variables.Count];
        for (int i = 0; i < slots.Length; i++) slots[i] = Slots(_variables[i]).Select(t => t.ToArray()).ToArray();
        return new OptimizerState(Name, Iterations, _variables.Select(v => v.Name).ToArray(), slots, StateValues(), LearningRate.GetConfig().DeepClone());
    }

    /// <summary>
    /// Continues from <paramref name="state"/> (taken by <see cref="GetState"/> of an optimizer of the same kind and
    /// settings): the step count, the slots of each variable, the values kept across steps, and the learning rate when
    /// it differs (a callback may have lowered it). <paramref name="variables"/> are the variables the state's slots
    /// belong to, in its order; by default those this optimizer is built for. An optimizer not built yet is built for them.
    /// Everything is checked before anything changes.
    /// </summary>
    /// <exception cref="ArgumentException">The state is of another optimizer, for another number of variables, or a slot's size differs from its variable's.</exception>
    /// <exception cref="InvalidOperationException">No variables are given and the optimizer is not built.</exception>
    public void SetState(OptimizerState state, IReadOnlyList<Tensor>? variables = null)
    {
        ArgumentNullException.ThrowIfNull(state);
        string caller = $"{GetType().Name}.SetState";
        if (state.Name != Name)
            throw new ArgumentException($"{caller}: the state is of a '{state.Name}' optimizer; this is '{Name}'.", nameof(state));
        variables ??= IsBuilt ? _variables.ToArray()
            : throw new InvalidOperationException($"{caller}: the optimizer is not built; pass the variables the state belongs to.");
        if (variables.Count != state.Slots.Count)
            throw new ArgumentException($"{caller}: the state holds slots for {state.Slots.Count} variables, but {variables.Count} variables were given.", nameof(state));
        for (int i = 0; i < variables.Count; i++)
        {
            var variable = variables[i] ?? throw new ArgumentNullException(nameof(variables), $"{caller}: variable {i} is null.");
            foreach (var slot in state.Slots[i])
                if (slot is null || slot.Length != variable.Size)
                    throw new ArgumentException($"{caller}: variable {i}{Describe(variable)} has shape {variable.Shape} ({variable.Size} values) but its slot " +
                        $"in the state ('{state.VariableNames[i]}') has {slot?.Length.ToString() ?? "none"}.", nameof(state));
        }
        LearningRateSchedule? learningRate = null;
        if (state.LearningRate is { } config && !JsonNode.DeepEquals(config, LearningRate.GetConfig()))
        {
            try
            {
                learningRate = LearningRateSchedule.FromConfig(config);
            }
            catch (Exception e) when (e is FormatException or ArgumentException or InvalidOperationException)
            {
                throw new ArgumentException($"{caller}: the state's learning rate {config.ToJsonString()} cannot be recreated: {e.Message}", nameof(state), e);
            }
        }
        SetStateValues(state.Values);
        Build(variables);
        using (TensorScope.Suspend())
            for (int i = 0; i < variables.Count; i++)
            {
                var values = state.Slots[i];
                if (values.Count == 0)
                {
                    _slots.Remove(variables[i]);
                    continue;
                }
                var slots = new Tensor[values.Count];
                for (int k = 0; k < slots.Length; k++)
                {
                    slots[k] = Tensor.FromArray(values[k], variables[i].Shape.Dims);
                    slots[k].Name = variables[i].Name is null ? null : $"{Name}/{variables[i].Name}/{k}";
                }
                _slots[variables[i]] = slots;
            }
        Iterations = state.Iterations;
        if (learningRate is not null) LearningRate = learningRate;
    }

    /// <summary>The values this optimizer keeps across steps for no one variable, by name (none by default).</summary>
    internal Dictionary<string, double> StateValues()
    {
        var values = new Dictionary<string, double>(StringComparer.Ordinal);
        GetStateValues(values);
        return values;
    }

    /// <summary>Adds the values kept across steps that belong to no variable (Nadam's momentum product) to <paramref name="values"/>.</summary>
    protected virtual void GetStateValues(IDictionary<string, double> values)
    {
    }

    /// <summary>Sets the values <see cref="GetStateValues"/> wrote; throws <see cref="ArgumentException"/> before changing anything when one is missing.</summary>
    protected virtual void SetStateValues(IReadOnlyDictionary<string, double> values)
    {
    }

    /// <summary>The arguments that recreate this optimizer (Keras' <c>get_config</c>).</summary>
    public virtual JsonObject GetConfig()
    {
        var config = new JsonObject { ["name"] = Name, ["learning_rate"] = LearningRate.GetConfig() };
        if (ClipNorm is { } n) config["clipnorm"] = n;
        if (ClipValue is { } v) config["clipvalue"] = v;
        if (GlobalClipNorm is { } g) config["global_clipnorm"] = g;
        if (WeightDecay is { } w) config["weight_decay"] = w;
        return config;
    }

    /// <summary>The optimizer a Keras name stands for, with Keras' defaults.</summary>
    public static implicit operator Optimizer(string name) => Optimizers.Get(name);

    /// <summary>Checks a hyper-parameter is a finite number in [min, max]; the message names the optimizer, the argument and the value.</summary>
    protected float CheckRange(float value, string argument, float min, float max)
    {
        if (!float.IsFinite(value) || value < min || value > max)
            throw new ArgumentOutOfRangeException(argument, value, $"{GetType().Name}: {argument} must be a finite number in [{min}, {max}]; got {value}.");
        return value;
    }

    /// <summary>Checks a decay rate (β, ρ) is a finite number in [0, 1).</summary>
    protected float CheckDecayRate(float value, string argument)
    {
        if (!float.IsFinite(value) || value < 0 || value >= 1)
            throw new ArgumentOutOfRangeException(argument, value, $"{GetType().Name}: {argument} must be a finite number in [0, 1); got {value}.");
        return value;
    }

    /// <summary>Checks a hyper-parameter (ε) is a finite number > 0.</summary>
    protected float CheckPositive(float value, string argument)
    {
        if (!float.IsFinite(value) || value <= 0)
            throw new ArgumentOutOfRangeException(argument, value, $"{GetType().Name}: {argument} must be a finite number > 0; got {value}.");
        return value;
    }

    /// <summary>Checks a hyper-parameter is a finite number >= 0.</summary>
    protected float CheckNonNegative(float value, string argument)
    {
        if (!float.IsFinite(value) || value < 0)
            throw new ArgumentOutOfRangeException(argument, value, $"{GetType().Name}: {argument} must be a finite number >= 0; got {value}.");
        return value;
    }

    private float? CheckPositive(float? value, string argument) => value is { } v ? CheckPositive(v, argument) : null;

    private static string Show(float? value) => value is { } v ? v.ToString(System.Globalization.CultureInfo.InvariantCulture) : "null";
}
