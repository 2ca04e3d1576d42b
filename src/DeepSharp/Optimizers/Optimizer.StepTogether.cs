namespace DeepSharp;

// The step as one pass over all of its variables (issue 19), as PyTorch's foreach optimizers take it: the update of
// each variable alone ran on the calling thread for any variable under 64k elements (every weight of the vit), and paid
// its look-ups and kernel dispatch forty times a step.
public abstract partial class Optimizer
{
    private ParameterUpdateSet? _together;
    private string? _typeName; // for the messages of refused variables

    /// <summary>
    /// Whether the built-in optimizers update all the variables of a step in one parallel pass (the default); false updates
    /// them one after another, for A/B comparisons. The same bits either way. Starts false when the environment variable
    /// <c>DEEPSHARP_OPTIMIZER_STEP</c> is <c>per-variable</c>.
    /// </summary>
    internal static bool StepsTogether { get; set; } =
        !string.Equals(Environment.GetEnvironmentVariable("DEEPSHARP_OPTIMIZER_STEP"), "per-variable", StringComparison.OrdinalIgnoreCase);

    /// <summary>Whether this optimizer's update is a kernel operator that <see cref="UpdateTogether"/> runs over all variables.</summary>
    private protected virtual bool UpdatesTogether => false;

    /// <summary>Gives variable <paramref name="index"/> of <paramref name="step"/> its state tensors (created on first use).</summary>
    private protected virtual void AddStates(ParameterUpdateSet step, int index)
    {
    }

    /// <summary>Updates every variable of <paramref name="step"/> from its (already clipped) gradient, in one pass.</summary>
    private protected virtual void UpdateTogether(ParameterUpdateSet step, float learningRate)
    {
    }

    /// <summary>
    /// The loop of <see cref="Apply"/> as one pass: every gradient copied (when strided) and clipped first, then one update
    /// of all variables, then the gradients cleared. False, having changed nothing, when any two of the memory ranges the
    /// step touches overlap: an update of one variable could then change what the next one reads, and only the loop keeps that order.
    /// </summary>
    private bool ApplyTogether(IReadOnlyList<Tensor?>? gradients, IReadOnlyList<Tensor> variables, float learningRate, float globalScale)
    {
        var step = _together ??= new ParameterUpdateSet();
        try
        {
            string name = _typeName ??= GetType().Name;
            for (int i = 0; i < variables.Count; i++)
            {
                var variable = variables[i];
                var gradient = gradients is null ? variable.Grad : gradients[i];
                if (gradient is null) continue;
                AddStates(step, step.Add(variable, gradient, name));
            }
            if (step.Overlaps()) return false;
            for (int i = 0; i < step.Count; i++)
            {
                var used = step.Gradient(i);
                if (globalScale != 1f) GradientClipping.Scale(used, globalScale);
                if (ClipNorm is { } norm) GradientClipping.ClipNorm(used, norm);
                if (ClipValue is { } value) GradientClipping.ClipValue(used, value);
            }
            if (WeightDecay is { } decay && decay > 0 && !FusesWeightDecay) step.DecayFactor = learningRate * decay;
            UpdateTogether(step, learningRate);
            if (gradients is null)
                for (int i = 0; i < step.Count; i++) step.Variable(i).ZeroGrad();
            return true;
        }
        finally
        {
            step.ReleaseCopies();
            step.Clear();
        }
    }
}
