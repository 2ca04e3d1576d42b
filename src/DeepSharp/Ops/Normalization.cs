using DeepSharp.Kernels;

namespace DeepSharp;

public static unsafe partial class Ops
{
    // ---- batch normalization ---------------------------------------------------------------------------
    // y = γ·(x − μ)/√(σ² + ε) + β per channel. Training: μ, σ² are the batch's (biased σ²), and backward is
    // dx = γ/√(σ²+ε) · (dy − mean(dy) − x̂·mean(dy·x̂)), dγ = Σ dy·x̂, dβ = Σ dy. Inference: μ, σ² are the moving
    // statistics, constants, so dx = dy·γ/√(σ²+ε).

    /// <summary>
    /// Batch normalization along <paramref name="axis"/> (the channels; the last by default, as Keras'
    /// <c>BatchNormalization</c>). With <paramref name="training"/> it normalizes with the batch's statistics
    /// (over every axis but <paramref name="axis"/>: N·H·W values per channel for NHWC images) and updates the
    /// moving statistics in place, as Keras: moving = moving·momentum + batch·(1 − momentum), with the biased
    /// batch variance. Without, it normalizes with the moving statistics.
    /// </summary>
    /// <param name="x">The input.</param>
    /// <param name="movingMean">Per-channel moving mean (channels); updated in training.</param>
    /// <param name="movingVariance">Per-channel moving variance (channels); updated in training.</param>
    /// <param name="gamma">Per-channel scale, or null for 1.</param>
    /// <param name="beta">Per-channel offset, or null for 0.</param>
    /// <param name="training">Use and record batch statistics (true) or the moving ones (false).</param>
    /// <param name="momentum">Weight of the old moving statistics, in [0, 1].</param>
    /// <param name="epsilon">Added to the variance before the square root; positive.</param>
    /// <param name="axis">The channel axis.</param>
    public static Tensor BatchNormalization(Tensor x, Tensor movingMean, Tensor movingVariance, Tensor? gamma, Tensor? beta,
        bool training, float momentum = 0.99f, float epsilon = 1e-3f, int axis = -1) =>
        BatchNormalization(x, movingMean, movingVariance, gamma, beta, training, momentum, epsilon, axis, "BatchNormalization");

    /// <summary>
    /// The BatchNormalization layer's path; with <paramref name="leakySlope"/>, the LeakyReLU after it in the same op
    /// (leaky_relu(batch_normalization(x)), the bits of the two ops one after the other, without the tensor between them).
    /// </summary>
    internal static Tensor BatchNormalization(Tensor x, Tensor movingMean, Tensor movingVariance, Tensor? gamma, Tensor? beta,
        bool training, float momentum, float epsilon, int axis, string owner, float? leakySlope = null)
    {
        x.ThrowIfDisposed();
        if (!(momentum >= 0f && momentum <= 1f))
            throw new ArgumentOutOfRangeException(nameof(momentum), momentum, $"{owner}: momentum must be in [0, 1]; got {momentum}.");
        if (!(epsilon > 0f) || !float.IsFinite(epsilon))
            throw new ArgumentOutOfRangeException(nameof(epsilon), epsilon, $"{owner}: epsilon must be a positive number; got {epsilon}.");
        if (x.Rank == 0) throw new ArgumentException($"{owner}: the input must have a channel axis; got a scalar.", nameof(x));
        int a = NormalizeAxis(owner, "axis", axis, x._shape);
        var (outer, channels, inner) = SplitAround(x._shape, a);
        CheckChannels(owner, "movingMean", movingMean, channels, x._shape);
        CheckChannels(owner, "movingVariance", movingVariance, channels, x._shape);
        if (gamma is not null) CheckChannels(owner, "gamma", gamma, channels, x._shape);
        if (beta is not null) CheckChannels(owner, "beta", beta, channels, x._shape);
        if (leakySlope is { } slope && !(slope >= 0f && float.IsFinite(slope)))
            throw new ArgumentOutOfRangeException(nameof(leakySlope), slope, $"{owner}: the leaky ReLU's slope must be a finite number >= 0; got {slope}.");
        if (training && (long)outer * inner == 0)
            throw new ArgumentException($"{owner}: training needs at least one value per channel to take statistics from; got shape {x._shape}.", nameof(x));

        var input = ContiguousOperand.Of(x);
        // Rows: mean, 1/√(σ²+ε), then the folded affine y = x·scale + shift.
        var stats = Tensor.Uninitialized(new TensorShape(4, channels));
        float* mean = stats.Pointer, invStd = mean + channels, scale = invStd + channels, shift = scale + channels;
        float* g = gamma is null ? null : PointerOf(gamma), b = beta is null ? null : PointerOf(beta);
        var statistics = new BatchStatistics
        {
            Training = training, Mean = mean, InvStd = invStd, Scale = scale, Shift = shift, Gamma = g, Beta = b,
            MovingMean = PointerOf(movingMean), MovingVariance = PointerOf(movingVariance), Momentum = momentum, Epsilon = epsilon,
        };
        // Training: each range of channels as soon as its moments are in, on the thread that summed them.
        if (training) BatchNorm.Moments(input.Pointer, outer, channels, inner, mean, variance: scale, ref statistics);
        else BatchNormChannels.Run(channels, ref statistics);
        var y = Tensor.Uninitialized(x._shape);
        BatchNorm.Apply(input.Pointer, outer, channels, inner, scale, shift, y.Pointer,
            leakySlope is { } leak ? new BatchNorm.LeakyRelu(leak) : default);
        ContiguousOperand.Release(input, x);

        string name = leakySlope is null ? "batch_normalization" : "batch_normalization_leaky_relu";
        Node? node = (gamma, beta) switch
        {
            (null, null) => Node.Record(name, BatchNormalizationBackward, y, x),
            (not null, null) => Node.Record(name, BatchNormalizationBackward, y, x, gamma),
            (null, not null) => Node.Record(name, BatchNormalizationBackward, y, x, beta),
            _ => Node.Record(name, BatchNormalizationBackward, y, x, gamma, beta),
        };
        if (node is null) stats.Recycle();
        else
        {
            node.Save(new BatchNormalizationSaved(a, training, gamma is not null, beta is not null, leakySlope is not null, leakySlope ?? 0f));
            node.Keep(stats);
        }
        return y;
    }

    /// <summary>
    /// Per channel, from the batch's moments (training: the variance in <see cref="Scale"/> until the scale overwrites it, the
    /// moving statistics updated) or the moving ones: 1/√(σ²+ε), then the affine folded into y = x·scale + shift.
    /// </summary>
    private struct BatchStatistics : IBatchNormChannelWork
    {
        public bool Training;
        public float* Mean, InvStd, Scale, Shift, Gamma, Beta, MovingMean, MovingVariance;
        public float Momentum, Epsilon;

        public readonly void Run(int first, int end)
        {
            if (Training)
            {
                float* variance = Scale;
                for (int c = first; c < end; c++)
                {
                    MovingMean[c] = FlushSubnormal(MovingMean[c] * Momentum + Mean[c] * (1f - Momentum));
                    MovingVariance[c] = FlushSubnormal(MovingVariance[c] * Momentum + variance[c] * (1f - Momentum));
                    InvStd[c] = 1f / MathF.Sqrt(variance[c] + Epsilon);
                }
            }
            else
            {
                for (int c = first; c < end; c++)
                {
                    Mean[c] = MovingMean[c];
                    InvStd[c] = 1f / MathF.Sqrt(MovingVariance[c] + Epsilon);
                }
            }
            for (int c = first; c < end; c++)
            {
                Scale[c] = (Gamma == null ? 1f : Gamma[c]) * InvStd[c];
                Shift[c] = (Beta == null ? 0f : Beta[c]) - Mean[c] * Scale[c];
            }
        }
    }

    /// <summary>
    /// What batch normalization keeps for backward (besides its statistics): the channel axis, whether the batch's statistics
    /// were used, which affine weights were given, and the slope of a leaky ReLU fused after it.
    /// </summary>
    private readonly record struct BatchNormalizationSaved(int Axis, bool Training, bool HasGamma, bool HasBeta, bool Leaky, float Slope);

    private static void BatchNormalizationBackward(Node n, Tensor g)
    {
        var x = n.A!;
        var (axis, training, hasGamma, hasBeta, leaky, slope) = n.State<BatchNormalizationSaved>();
        // A fused leaky ReLU: dy goes through its derivative, read from this op's output, inside both passes.
        var leak = leaky ? new BatchNorm.LeakyRelu(slope, n.Output.Pointer) : default;
        var gamma = hasGamma ? n.B : null;
        var beta = hasBeta ? (hasGamma ? n.C : n.B) : null;
        var (outer, channels, inner) = SplitAround(x._shape, axis);
        float* mean = n.Kept.First!.Pointer, invStd = mean + channels;
        var input = ContiguousOperand.Of(x);
        var dy = ContiguousOperand.Of(g);
        // Rows: Σ dy, Σ dy·(x − μ), then the coefficients of dx = a·dy + b·x + c.
        var work = Tensor.Uninitialized(new TensorShape(5, channels));
        float* sumDy = work.Pointer, sumDyX = sumDy + channels, ca = sumDyX + channels, cb = ca + channels, cc = cb + channels;
        bool needSums = training || (gamma is not null && gamma._requiresGrad) || (beta is not null && beta._requiresGrad);
        var dGamma = gamma is not null && gamma._requiresGrad ? Tensor.Uninitialized(gamma._shape) : null;
        var dBeta = beta is not null && beta._requiresGrad ? Tensor.Uninitialized(beta._shape) : null;
        var coefficients = new BackwardCoefficients
        {
            Training = training, Dx = x._requiresGrad, Gamma = gamma is null ? null : PointerOf(gamma), InvStd = invStd, Mean = mean,
            SumDy = sumDy, SumDyX = sumDyX, A = ca, B = cb, C = cc, Count = (float)((double)outer * inner),
            DGamma = dGamma is null ? null : dGamma.Pointer, DBeta = dBeta is null ? null : dBeta.Pointer,
        };
        // Each range of channels as soon as its sums are in, on the thread that summed them.
        if (needSums) BatchNorm.GradientSums(input.Pointer, dy.Pointer, outer, channels, inner, mean, sumDy, sumDyX, ref coefficients, leak);
        else BatchNormChannels.Run(channels, ref coefficients);
        if (x._requiresGrad)
        {
            var dx = Tensor.Uninitialized(x._shape);
            BatchNorm.Combine(dy.Pointer, input.Pointer, outer, channels, inner, ca, cb, cc, dx.Pointer, leak);
            GradientEngine.Accumulate(x, dx);
        }
        if (dGamma is not null) GradientEngine.Accumulate(gamma!, dGamma);
        if (dBeta is not null) GradientEngine.Accumulate(beta!, dBeta);
        work.Recycle();
        ContiguousOperand.Release(input, x);
        ContiguousOperand.Release(dy, g);
    }

    /// <summary>
    /// Per channel, from the gradient sums: the coefficients of dx = a·dy + b·x + c (when x needs a gradient), dγ = Σ dy·x̂ and
    /// dβ = Σ dy (where given).
    /// </summary>
    private struct BackwardCoefficients : IBatchNormChannelWork
    {
        public bool Training, Dx;
        public float* Gamma, InvStd, Mean, SumDy, SumDyX, A, B, C, DGamma, DBeta;
        public float Count;

        public readonly void Run(int first, int end)
        {
            if (Dx)
                for (int c = first; c < end; c++)
                {
                    float k = (Gamma == null ? 1f : Gamma[c]) * InvStd[c];
                    A[c] = k;
                    B[c] = Training ? -k * InvStd[c] * InvStd[c] * SumDyX[c] / Count : 0f;
                    C[c] = Training ? -k * SumDy[c] / Count - B[c] * Mean[c] : 0f;
                }
            if (DGamma != null)
                for (int c = first; c < end; c++) DGamma[c] = SumDyX[c] * InvStd[c];
            if (DBeta != null) new Span<float>(SumDy + first, end - first).CopyTo(new Span<float>(DBeta + first, end - first));
        }
    }

    private static void CheckChannels(string owner, string argument, Tensor t, int channels, in TensorShape input)
    {
        t.ThrowIfDisposed();
        if (t.Rank != 1 || t._shape[0] != channels)
            throw new ArgumentException(
                $"{owner}: {argument} must have shape ({channels}), one value per channel of the input {input}; got {t._shape}.", argument);
        if (!t._isContiguous)
            throw new ArgumentException($"{owner}: {argument} must be contiguous.", argument);
    }

    private static float* PointerOf(Tensor t) => t.Pointer; // checked contiguous above

    /// <summary>Moving statistics decay geometrically; a subnormal one would slow every later step (x86).</summary>
    private static float FlushSubnormal(float value) => MathF.Abs(value) < 1.17549435e-38f ? 0f : value;
}
