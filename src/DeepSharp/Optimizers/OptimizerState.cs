using System.Text.Json.Nodes;

namespace DeepSharp;

/// <summary>
/// A copy of an optimizer's state, as Keras' <c>optimizer.variables</c>: its step count, the slots of each variable
/// (Adam's moments, Adagrad's accumulators), the values it keeps across steps for no one variable (Nadam's momentum
/// product) and its learning rate. <see cref="Optimizer.GetState"/> takes it; <see cref="Optimizer.SetState"/> gives it
/// to a like optimizer built for like variables (a resumed run, the other ranks of a distributed one), which then
/// takes the same steps as the one it came from.
/// </summary>
public sealed class OptimizerState
{
    /// <summary>Creates a state; the arrays are kept, not copied.</summary>
    /// <param name="name">The optimizer's Keras name ("adam").</param>
    /// <param name="iterations">Steps taken.</param>
    /// <param name="variableNames">The variables' names (null for unnamed ones), in the optimizer's variable order.</param>
    /// <param name="slots">Per variable, in that order, its slot values (each as many as the variable has); empty before its first step.</param>
    /// <param name="values">State that belongs to no variable, by name.</param>
    /// <param name="learningRate">The learning rate's configuration (<see cref="LearningRateSchedule.GetConfig"/>), or null to leave the receiver's.</param>
    public OptimizerState(string name, long iterations, IReadOnlyList<string?> variableNames, IReadOnlyList<IReadOnlyList<float[]>> slots,
        IReadOnlyDictionary<string, double>? values = null, JsonNode? learningRate = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(variableNames);
        ArgumentNullException.ThrowIfNull(slots);
        ArgumentOutOfRangeException.ThrowIfNegative(iterations);
        if (variableNames.Count != slots.Count)
            throw new ArgumentException($"OptimizerState: {variableNames.Count} variable names but slots for {slots.Count} variables; give one of each per variable.", nameof(slots));
        Name = name;
        Iterations = iterations;
        VariableNames = variableNames;
        Slots = slots;
        Values = values ?? new Dictionary<string, double>();
        LearningRate = learningRate;
    }

    /// <summary>The optimizer's Keras name ("adam"): a state goes only to an optimizer of that kind.</summary>
    public string Name { get; }

    /// <summary>Steps taken (Keras' <c>iterations</c>).</summary>
    public long Iterations { get; }

    /// <summary>The variables' names, in the optimizer's variable order (null for an unnamed variable).</summary>
    public IReadOnlyList<string?> VariableNames { get; }

    /// <summary>Per variable, its slots' values (in the variable's element order); empty for a variable that has not been stepped.</summary>
    public IReadOnlyList<IReadOnlyList<float[]>> Slots { get; }

    /// <summary>State that belongs to no variable, by name (Nadam: "momentum_product").</summary>
    public IReadOnlyDictionary<string, double> Values { get; }

    /// <summary>The learning rate's configuration (a number or a schedule's), or null.</summary>
    public JsonNode? LearningRate { get; }
}
