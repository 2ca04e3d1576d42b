using System.Runtime.CompilerServices;

namespace DeepSharp.Kernels;

// The per-element math of each optimizer, as Keras 3 writes it (keras/src/optimizers/*.py). Per-step scalars
// (bias corrections, learning rate) are folded by the optimizer and arrive as fields; the state arrays are
// the optimizer's slots in the order given in each comment.

/// <summary>
/// Plain SGD: w += g·(−lr), a product and a sum each rounded, as <c>TensorPrimitives.MultiplyAdd</c> computes it for the
/// update of one variable.
/// </summary>
internal unsafe struct SgdUpdate : IParameterUpdate
{
    public float LearningRate;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public readonly void Apply<T>(float* weight, float* gradient, float* state0, float* state1, float* state2) where T : struct, ILanes<T>
    {
        T.Store(weight, T.Load(gradient) * T.Broadcast(-LearningRate) + T.Load(weight));
    }
}

/// <summary>
/// Decoupled weight decay in the same pass as another update: w ·= <see cref="Scale"/> (1 − lr·wd), then
/// <see cref="Inner"/>'s step on the decayed weight, as the decay pass followed by the update would compute it.
/// </summary>
internal unsafe struct WeightDecayedUpdate<TOp> : IParameterUpdate where TOp : struct, IParameterUpdate
{
    public TOp Inner;
    public float Scale;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public readonly void Apply<T>(float* weight, float* gradient, float* state0, float* state1, float* state2) where T : struct, ILanes<T>
    {
        T.Store(weight, T.Load(weight) * T.Broadcast(Scale));
        Inner.Apply<T>(weight, gradient, state0, state1, state2);
    }
}

/// <summary>SGD with momentum; state0 = velocity. v = μ·v − lr·g; w += v (Nesterov: w += μ·v − lr·g).</summary>
internal unsafe struct SgdMomentumUpdate : IParameterUpdate
{
    public float LearningRate, Momentum;
    public bool Nesterov;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public readonly void Apply<T>(float* weight, float* gradient, float* state0, float* state1, float* state2) where T : struct, ILanes<T>
    {
        T step = T.Load(gradient) * T.Broadcast(-LearningRate);
        T momentum = T.Broadcast(Momentum);
        T v = T.MultiplyAdd(T.Load(state0), momentum, step);
        T.StoreState(state0, v);
        T.Store(weight, T.Load(weight) + (Nesterov ? T.MultiplyAdd(v, momentum, step) : v));
    }
}

/// <summary>
/// Adam; state0 = m, state1 = v, state2 = v̂ (AMSGrad only). m += (g − m)(1 − β1); v += (g² − v)(1 − β2);
/// w −= α·m / (√v + ε) with α = lr·√(1 − β2ᵗ)/(1 − β1ᵗ); AMSGrad uses v̂ = max(v̂, v) in place of v.
/// The weight is first scaled by <see cref="WeightScale"/> (1 − lr·wd for AdamW, exactly 1 otherwise).
/// </summary>
internal unsafe struct AdamUpdate : IParameterUpdate
{
    public float OneMinusBeta1, OneMinusBeta2, StepSize, Epsilon, WeightScale;
    public bool AmsGrad;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public readonly void Apply<T>(float* weight, float* gradient, float* state0, float* state1, float* state2) where T : struct, ILanes<T>
    {
        T g = T.Load(gradient);
        T m = MovingAverage.Update(state0, g, OneMinusBeta1);
        T v = MovingAverage.Update(state1, g * g, OneMinusBeta2);
        if (AmsGrad)
        {
            v = T.Max(T.Load(state2), v);
            T.StoreState(state2, v);
        }
        T.Store(weight, T.Load(weight) * T.Broadcast(WeightScale) - m * T.Broadcast(StepSize) / (T.Sqrt(v) + T.Broadcast(Epsilon)));
    }
}

/// <summary>
/// RMSprop; state0 = mean square, state1 = momentum buffer (momentum > 0), state2 = mean gradient (centered).
/// s = ρ·s + (1 − ρ)·g²; centered: a = ρ·a + (1 − ρ)·g, d = s − a² + ε, else d = s + ε (ε inside the root);
/// Δ = lr·g/√d; with momentum: b = μ·b + Δ, w −= b; else w −= Δ.
/// </summary>
internal unsafe struct RmspropUpdate : IParameterUpdate
{
    public float Rho, OneMinusRho, LearningRate, Momentum, Epsilon;
    public bool UseMomentum, Centered;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public readonly void Apply<T>(float* weight, float* gradient, float* state0, float* state1, float* state2) where T : struct, ILanes<T>
    {
        T g = T.Load(gradient);
        T rho = T.Broadcast(Rho), oneMinusRho = T.Broadcast(OneMinusRho);
        T s = T.MultiplyAdd(T.Load(state0), rho, g * g * oneMinusRho);
        T.StoreState(state0, s);
        T denominator;
        if (Centered)
        {
            T a = T.MultiplyAdd(T.Load(state2), rho, g * oneMinusRho);
            T.StoreState(state2, a);
            denominator = s - a * a + T.Broadcast(Epsilon);
        }
        else denominator = s + T.Broadcast(Epsilon);
        T increment = T.Broadcast(LearningRate) * g / T.Sqrt(denominator);
        if (UseMomentum)
        {
            increment = T.MultiplyAdd(T.Load(state1), T.Broadcast(Momentum), increment);
            T.StoreState(state1, increment);
        }
        T.Store(weight, T.Load(weight) - increment);
    }
}

/// <summary>Adagrad; state0 = accumulator. a += g²; w −= lr·g/√(a + ε).</summary>
internal unsafe struct AdagradUpdate : IParameterUpdate
{
    public float LearningRate, Epsilon;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public readonly void Apply<T>(float* weight, float* gradient, float* state0, float* state1, float* state2) where T : struct, ILanes<T>
    {
        T g = T.Load(gradient);
        T a = T.MultiplyAdd(g, g, T.Load(state0));
        T.StoreState(state0, a);
        T.Store(weight, T.Load(weight) - T.Broadcast(LearningRate) * g / T.Sqrt(a + T.Broadcast(Epsilon)));
    }
}

/// <summary>
/// Nadam; state0 = m, state1 = v. m += (g − m)(1 − β1); v += (g² − v)(1 − β2);
/// w −= (cₘ·m + c_g·g) / (√(v / (1 − β2ᵗ)) + ε), where cₘ = lr·μₜ₊₁/(1 − Πμ·μₜ₊₁) and c_g = lr·(1 − μₜ)/(1 − Πμ).
/// </summary>
internal unsafe struct NadamUpdate : IParameterUpdate
{
    public float OneMinusBeta1, OneMinusBeta2, MomentumFactor, GradientFactor, BiasCorrection2, Epsilon;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public readonly void Apply<T>(float* weight, float* gradient, float* state0, float* state1, float* state2) where T : struct, ILanes<T>
    {
        T g = T.Load(gradient);
        T m = MovingAverage.Update(state0, g, OneMinusBeta1);
        T v = MovingAverage.Update(state1, g * g, OneMinusBeta2);
        T direction = T.MultiplyAdd(m, T.Broadcast(MomentumFactor), g * T.Broadcast(GradientFactor));
        T.Store(weight, T.Load(weight) - direction / (T.Sqrt(v / T.Broadcast(BiasCorrection2)) + T.Broadcast(Epsilon)));
    }
}

/// <summary>
/// Adamax; state0 = m, state1 = u (the decayed infinity norm). m += (g − m)(1 − β1); u = max(β2·u, |g|);
/// w −= (lr/(1 − β1ᵗ))·m/(u + ε).
/// </summary>
internal unsafe struct AdamaxUpdate : IParameterUpdate
{
    public float OneMinusBeta1, Beta2, StepSize, Epsilon;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public readonly void Apply<T>(float* weight, float* gradient, float* state0, float* state1, float* state2) where T : struct, ILanes<T>
    {
        T g = T.Load(gradient);
        T m = MovingAverage.Update(state0, g, OneMinusBeta1);
        T u = T.Max(T.Load(state1) * T.Broadcast(Beta2), T.Abs(g));
        T.StoreState(state1, u);
        T.Store(weight, T.Load(weight) - T.Broadcast(StepSize) * m / (u + T.Broadcast(Epsilon)));
    }
}

/// <summary>
/// Adadelta; state0 = mean square gradient, state1 = mean square update. s = ρ·s + (1 − ρ)·g²;
/// Δ = −√(d + ε)·g/√(s + ε); d = ρ·d + (1 − ρ)·Δ²; w += lr·Δ.
/// </summary>
internal unsafe struct AdadeltaUpdate : IParameterUpdate
{
    public float Rho, OneMinusRho, LearningRate, Epsilon;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public readonly void Apply<T>(float* weight, float* gradient, float* state0, float* state1, float* state2) where T : struct, ILanes<T>
    {
        T g = T.Load(gradient);
        T rho = T.Broadcast(Rho), oneMinusRho = T.Broadcast(OneMinusRho), epsilon = T.Broadcast(Epsilon);
        T s = T.MultiplyAdd(T.Load(state0), rho, g * g * oneMinusRho);
        T.StoreState(state0, s);
        T d = T.Load(state1);
        T delta = T.Sqrt(d + epsilon) * g / T.Sqrt(s + epsilon);
        T.StoreState(state1, T.MultiplyAdd(d, rho, delta * delta * oneMinusRho));
        T.Store(weight, T.Load(weight) - T.Broadcast(LearningRate) * delta);
    }
}

/// <summary>The exponential moving averages of Adam and its kin: a += (x − a)(1 − β), kept in an optimizer slot.</summary>
internal static unsafe class MovingAverage
{
    /// <summary>Updates the average at <paramref name="state"/> with <paramref name="x"/>, stores it (flushed) and returns it.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static T Update<T>(float* state, T x, float oneMinusBeta) where T : struct, ILanes<T>
    {
        T average = T.Load(state);
        average = T.MultiplyAdd(x - average, T.Broadcast(oneMinusBeta), average);
        T.StoreState(state, average);
        return average;
    }
}
