using System.Numerics.Tensors;
using System.Runtime.InteropServices;
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

    /// <summary>
    /// Whether an optimizer step updates all its variables as one parallel job (<see cref="Gather"/>); false updates
    /// them one by one, each long one a job of its own and the short ones on the calling thread, for A/B comparisons.
    /// The same bits either way. Starts false when the environment variable <c>DEEPSHARP_OPTIMIZER</c> is <c>separate</c>.
    /// </summary>
    internal static bool Together { get; set; } =
        !string.Equals(Environment.GetEnvironmentVariable("DEEPSHARP_OPTIMIZER"), "separate", StringComparison.OrdinalIgnoreCase);

    // While gathering, updates wait in Pending<TOp> until Flush runs them as one job. [ThreadStatic]: two threads that
    // step two optimizers at once gather apart.
    [ThreadStatic] private static bool t_gathering;
    [ThreadStatic] private static delegate*<void> t_flush; // the flush of the kind of update waiting, or null
    [ThreadStatic] private static Type? t_kind;            // that kind

    /// <summary>
    /// Until <see cref="Flush"/>, the updates of this thread wait and then run as one parallel job over all their
    /// variables (an optimizer step: each variable alone is often too short to share out). The caller must flush before
    /// it frees or rewrites any weight, gradient or state it passed, and must not pass a variable twice.
    /// </summary>
    internal static void Gather() => t_gathering = true;

    /// <summary>Runs the updates gathered since <see cref="Gather"/> and stops gathering.</summary>
    internal static void Flush()
    {
        t_gathering = false;
        RunPending();
    }

    private static void RunPending()
    {
        var flush = t_flush;
        t_flush = null;
        t_kind = null;
        if (flush != null) flush();
    }

    private static void Run<TOp>(in TOp update, Tensor variable, Tensor gradient, Tensor? state0, Tensor? state1, Tensor? state2, string optimizer)
        where TOp : unmanaged, IParameterUpdate
    {
        int n = Contiguous(variable, optimizer).Size;
        if (Contiguous(gradient, optimizer).Size != n)
            throw new ArgumentException($"{optimizer}: the gradient has shape {gradient.Shape}, the variable {variable.Shape}.", nameof(gradient));
        var segment = new ParameterSegment
        {
            Weight = variable.Pointer, Gradient = gradient.Pointer, Length = n,
            State0 = State(state0, n, optimizer), State1 = State(state1, n, optimizer), State2 = State(state2, n, optimizer),
        };
        if (t_gathering) Pending<TOp>.Add(update, segment);
        else ParameterUpdateKernel.Run(update, segment.Weight, segment.Gradient, segment.State0, segment.State1, segment.State2, n);
    }

    /// <summary>Updates of one kind with the same per-step values (one optimizer step's), waiting to run together.</summary>
    private static class Pending<TOp> where TOp : unmanaged, IParameterUpdate
    {
        [ThreadStatic] private static TOp t_update;
        [ThreadStatic] private static ParameterSegment[]? t_segments;
        [ThreadStatic] private static int t_count;

        internal static void Add(in TOp update, in ParameterSegment segment)
        {
            // Another kind of update, or other per-step values (an optimizer that varies them by variable): what waits runs first.
            if (t_kind != null && (t_kind != typeof(TOp) || !Same(t_update, update))) RunPending();
            var segments = t_segments ??= new ParameterSegment[16];
            if (t_count == segments.Length) Array.Resize(ref t_segments, 2 * segments.Length);
            t_segments![t_count++] = segment;
            t_update = update;
            t_flush = &Flush;
            t_kind = typeof(TOp);
        }

        private static void Flush()
        {
            int count = t_count;
            t_count = 0;
            fixed (ParameterSegment* segments = t_segments)
                ParameterUpdateKernel.RunMany(t_update, segments, count);
        }

        private static bool Same(in TOp a, in TOp b) =>
            MemoryMarshal.AsBytes(new ReadOnlySpan<TOp>(in a)).SequenceEqual(MemoryMarshal.AsBytes(new ReadOnlySpan<TOp>(in b)));
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
