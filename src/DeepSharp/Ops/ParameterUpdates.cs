using System.Numerics.Tensors;
using DeepSharp.Kernels;

namespace DeepSharp;

/// <summary>
/// In-place updates of weights and optimizer state (no graph): the seam between optimizers and the
/// kernels, so that optimizers never touch tensor memory themselves. Each update is one fused pass over
/// the weight, its gradient and its state (see Kernels/ParameterUpdateOperators.cs for the math).
/// </summary>
internal static unsafe class ParameterUpdates
{
    /// <summary>w -= factor · w (decoupled weight decay).</summary>
    internal static void Decay(Tensor variable, float factor)
    {
        var w = Contiguous(variable, "weight decay").Span;
        TensorPrimitives.Multiply(w, 1f - factor, w);
    }

    /// <summary>w -= lr · g.</summary>
    internal static void Sgd(Tensor variable, Tensor gradient, float learningRate)
    {
        var w = Contiguous(variable, "SGD").Span;
        TensorPrimitives.MultiplyAdd(Contiguous(gradient, "SGD").Span, -learningRate, w, w);
    }

    /// <summary>v = momentum·v − lr·g; w += v (Nesterov: w += momentum·v − lr·g), as Keras' SGD.</summary>
    internal static void SgdMomentum(Tensor variable, Tensor gradient, Tensor velocity, float learningRate, float momentum, bool nesterov)
    {
        var update = new SgdMomentumUpdate { LearningRate = learningRate, Momentum = momentum, Nesterov = nesterov };
        Run(update, variable, gradient, velocity, null, null, "SGD");
    }

    /// <summary>
    /// Adam's step (AMSGrad when <paramref name="maxVelocity"/> is given); <paramref name="stepSize"/> is
    /// lr·√(1 − β2ᵗ)/(1 − β1ᵗ). The weight is first multiplied by <paramref name="weightScale"/> (AdamW's decay, 1 for none).
    /// </summary>
    internal static void Adam(Tensor variable, Tensor gradient, Tensor momentum, Tensor velocity, Tensor? maxVelocity,
        float beta1, float beta2, float stepSize, float epsilon, float weightScale = 1f)
    {
        var update = new AdamUpdate
        {
            OneMinusBeta1 = 1f - beta1, OneMinusBeta2 = 1f - beta2, StepSize = stepSize, Epsilon = epsilon, WeightScale = weightScale,
            AmsGrad = maxVelocity is not null,
        };
        Run(update, variable, gradient, momentum, velocity, maxVelocity, "Adam");
    }

    /// <summary>RMSprop's step; <paramref name="momentumBuffer"/> is used when momentum > 0, <paramref name="meanGradient"/> when centered.</summary>
    internal static void Rmsprop(Tensor variable, Tensor gradient, Tensor meanSquare, Tensor? momentumBuffer, Tensor? meanGradient,
        float learningRate, float rho, float momentum, float epsilon)
    {
        var update = new RmspropUpdate
        {
            Rho = rho, OneMinusRho = 1f - rho, LearningRate = learningRate, Momentum = momentum, Epsilon = epsilon,
            UseMomentum = momentumBuffer is not null, Centered = meanGradient is not null,
        };
        Run(update, variable, gradient, meanSquare, momentumBuffer, meanGradient, "RMSprop");
    }

    /// <summary>Adagrad's step.</summary>
    internal static void Adagrad(Tensor variable, Tensor gradient, Tensor accumulator, float learningRate, float epsilon)
    {
        var update = new AdagradUpdate { LearningRate = learningRate, Epsilon = epsilon };
        Run(update, variable, gradient, accumulator, null, null, "Adagrad");
    }

    /// <summary>
    /// Nadam's step: w −= (<paramref name="momentumFactor"/>·m + <paramref name="gradientFactor"/>·g) / (√(v / <paramref name="biasCorrection2"/>) + ε).
    /// </summary>
    internal static void Nadam(Tensor variable, Tensor gradient, Tensor momentum, Tensor velocity,
        float beta1, float beta2, float momentumFactor, float gradientFactor, float biasCorrection2, float epsilon)
    {
        var update = new NadamUpdate
        {
            OneMinusBeta1 = 1f - beta1, OneMinusBeta2 = 1f - beta2, MomentumFactor = momentumFactor,
            GradientFactor = gradientFactor, BiasCorrection2 = biasCorrection2, Epsilon = epsilon,
        };
        Run(update, variable, gradient, momentum, velocity, null, "Nadam");
    }

    /// <summary>Adamax's step; <paramref name="stepSize"/> is lr/(1 − β1ᵗ).</summary>
    internal static void Adamax(Tensor variable, Tensor gradient, Tensor momentum, Tensor norm, float beta1, float beta2, float stepSize, float epsilon)
    {
        var update = new AdamaxUpdate { OneMinusBeta1 = 1f - beta1, Beta2 = beta2, StepSize = stepSize, Epsilon = epsilon };
        Run(update, variable, gradient, momentum, norm, null, "Adamax");
    }

    /// <summary>Adadelta's step.</summary>
    internal static void Adadelta(Tensor variable, Tensor gradient, Tensor meanSquareGradient, Tensor meanSquareUpdate,
        float learningRate, float rho, float epsilon)
    {
        var update = new AdadeltaUpdate { Rho = rho, OneMinusRho = 1f - rho, LearningRate = learningRate, Epsilon = epsilon };
        Run(update, variable, gradient, meanSquareGradient, meanSquareUpdate, null, "Adadelta");
    }

    // ---- every variable of a step in one pass (the state of each is in the set) --------------------------------

    /// <summary>Plain SGD over the set: w += g·(−lr).</summary>
    internal static void Sgd(ParameterUpdateSet set, float learningRate) => RunAll(new SgdUpdate { LearningRate = learningRate }, set);

    /// <summary><see cref="SgdMomentum(Tensor, Tensor, Tensor, float, float, bool)"/> over the set (state 0: the velocity).</summary>
    internal static void SgdMomentum(ParameterUpdateSet set, float learningRate, float momentum, bool nesterov) =>
        RunAll(new SgdMomentumUpdate { LearningRate = learningRate, Momentum = momentum, Nesterov = nesterov }, set);

    /// <summary><see cref="Adam(Tensor, Tensor, Tensor, Tensor, Tensor?, float, float, float, float, float)"/> over the set (states: m, v, and v̂ with <paramref name="amsGrad"/>).</summary>
    internal static void Adam(ParameterUpdateSet set, bool amsGrad, float beta1, float beta2, float stepSize, float epsilon, float weightScale) =>
        RunAll(new AdamUpdate
        {
            OneMinusBeta1 = 1f - beta1, OneMinusBeta2 = 1f - beta2, StepSize = stepSize, Epsilon = epsilon, WeightScale = weightScale, AmsGrad = amsGrad,
        }, set);

    /// <summary><see cref="Rmsprop(Tensor, Tensor, Tensor, Tensor?, Tensor?, float, float, float, float)"/> over the set (states: mean square, momentum buffer, mean gradient).</summary>
    internal static void Rmsprop(ParameterUpdateSet set, bool useMomentum, bool centered, float learningRate, float rho, float momentum, float epsilon) =>
        RunAll(new RmspropUpdate
        {
            Rho = rho, OneMinusRho = 1f - rho, LearningRate = learningRate, Momentum = momentum, Epsilon = epsilon, UseMomentum = useMomentum, Centered = centered,
        }, set);

    /// <summary>Adagrad's step over the set (state 0: the accumulator).</summary>
    internal static void Adagrad(ParameterUpdateSet set, float learningRate, float epsilon) =>
        RunAll(new AdagradUpdate { LearningRate = learningRate, Epsilon = epsilon }, set);

    /// <summary>Nadam's step over the set (states: m, v); the factors as for one variable.</summary>
    internal static void Nadam(ParameterUpdateSet set, float beta1, float beta2, float momentumFactor, float gradientFactor, float biasCorrection2, float epsilon) =>
        RunAll(new NadamUpdate
        {
            OneMinusBeta1 = 1f - beta1, OneMinusBeta2 = 1f - beta2, MomentumFactor = momentumFactor,
            GradientFactor = gradientFactor, BiasCorrection2 = biasCorrection2, Epsilon = epsilon,
        }, set);

    /// <summary>Adamax's step over the set (states: m, u).</summary>
    internal static void Adamax(ParameterUpdateSet set, float beta1, float beta2, float stepSize, float epsilon) =>
        RunAll(new AdamaxUpdate { OneMinusBeta1 = 1f - beta1, Beta2 = beta2, StepSize = stepSize, Epsilon = epsilon }, set);

    /// <summary>Adadelta's step over the set (states: mean square gradient, mean square update).</summary>
    internal static void Adadelta(ParameterUpdateSet set, float learningRate, float rho, float epsilon) =>
        RunAll(new AdadeltaUpdate { Rho = rho, OneMinusRho = 1f - rho, LearningRate = learningRate, Epsilon = epsilon }, set);

    private static void RunAll<TOp>(in TOp update, ParameterUpdateSet set) where TOp : struct, IParameterUpdate
    {
        // The decay pass w ·= 1 − f of Decay, folded into the update's pass.
        if (set.DecayFactor is { } factor)
            ParameterUpdateKernel.RunAll(new WeightDecayedUpdate<TOp> { Inner = update, Scale = 1f - factor }, set.Targets);
        else ParameterUpdateKernel.RunAll(update, set.Targets);
    }

    private static void Run<TOp>(in TOp update, Tensor variable, Tensor gradient, Tensor? state0, Tensor? state1, Tensor? state2, string optimizer)
        where TOp : struct, IParameterUpdate
    {
        int n = Contiguous(variable, optimizer).Size;
        if (Contiguous(gradient, optimizer).Size != n)
            throw new ArgumentException($"{optimizer}: the gradient has shape {gradient.Shape}, the variable {variable.Shape}.", nameof(gradient));
        ParameterUpdateKernel.Run(update, variable.Pointer, gradient.Pointer,
            State(state0, n, optimizer), State(state1, n, optimizer), State(state2, n, optimizer), n);
    }

    private static float* State(Tensor? state, int size, string optimizer)
    {
        if (state is null) return null;
        if (Contiguous(state, optimizer).Size != size)
            throw new ArgumentException($"{optimizer}: a state tensor has shape {state.Shape} but the variable has {size} elements.", nameof(state));
        return state.Pointer;
    }

    private static Tensor Contiguous(Tensor tensor, string optimizer)
    {
        if (!tensor.IsContiguous)
            throw new ArgumentException($"{optimizer}: updates need contiguous tensors; got a strided view of shape {tensor.Shape}" +
                (tensor.Name is null ? "." : $" ('{tensor.Name}')."), nameof(tensor));
        return tensor;
    }
}
