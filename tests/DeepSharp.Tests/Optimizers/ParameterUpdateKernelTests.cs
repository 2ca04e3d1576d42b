using DeepSharp.Kernels;

namespace DeepSharp.Tests.Optimizers;

/// <summary>
/// The fused update kernels give the same bits at every lane width (the machine runs only one of them in
/// production) and when split over threads.
/// </summary>
public unsafe class ParameterUpdateKernelTests
{
    private const int Length = 16 * 5 + 7;

    /// <summary>Normal values spread over four decades of magnitude, so that ε matters for some.</summary>
    private static float[] Random(int seed, int n, float scale)
    {
        var rng = new RandomGenerator(seed);
        var values = new float[n];
        for (int i = 0; i < n; i++) values[i] = rng.NextNormal() * scale * MathF.Pow(10, -4 * rng.NextFloat());
        return values;
    }

    private static (float[] W, float[] S0, float[] S1, float[] S2) RunWith<TOp, TLanes>(TOp op, int steps)
        where TOp : struct, IParameterUpdate
        where TLanes : struct, ILanes<TLanes>
    {
        var w = Random(1, Length, 1f);
        // The state starts at zero, as in an optimizer, so that it keeps its invariants (mean squares >= mean²).
        float[] s0 = new float[Length], s1 = new float[Length], s2 = new float[Length];
        for (int step = 0; step < steps; step++)
        {
            var g = Random(10 + step, Length, 1f);
            fixed (float* pw = w, pg = g, p0 = s0, p1 = s1, p2 = s2)
            {
                int done = ParameterUpdateKernel.Loop<TOp, TLanes>(ref op, pw, pg, p0, p1, p2, 0, Length);
                ParameterUpdateKernel.Loop<TOp, Lane1>(ref op, pw, pg, p0, p1, p2, done, Length);
            }
        }
        return (w, s0, s1, s2);
    }

    public static TheoryData<string> Updates => new() { "sgd", "nesterov", "adam", "adamw", "amsgrad", "rmsprop", "rmsprop_centered_momentum", "adagrad", "nadam", "adamax", "adadelta" };

    [Theory]
    [MemberData(nameof(Updates))]
    public void Every_lane_width_gives_the_same_bits(string name)
    {
        switch (name)
        {
            case "sgd": Same(new SgdMomentumUpdate { LearningRate = 0.1f, Momentum = 0.9f }); break;
            case "nesterov": Same(new SgdMomentumUpdate { LearningRate = 0.1f, Momentum = 0.9f, Nesterov = true }); break;
            case "adam": Same(new AdamUpdate { OneMinusBeta1 = 0.1f, OneMinusBeta2 = 0.001f, StepSize = 0.003f, Epsilon = 1e-7f, WeightScale = 1f }); break;
            case "adamw": Same(new AdamUpdate { OneMinusBeta1 = 0.1f, OneMinusBeta2 = 0.001f, StepSize = 0.003f, Epsilon = 1e-7f, WeightScale = 0.99f }); break;
            case "amsgrad": Same(new AdamUpdate { OneMinusBeta1 = 0.1f, OneMinusBeta2 = 0.001f, StepSize = 0.003f, Epsilon = 1e-7f, WeightScale = 1f, AmsGrad = true }); break;
            case "rmsprop": Same(new RmspropUpdate { Rho = 0.9f, OneMinusRho = 0.1f, LearningRate = 0.01f, Epsilon = 1e-7f }); break;
            case "rmsprop_centered_momentum":
                Same(new RmspropUpdate { Rho = 0.9f, OneMinusRho = 0.1f, LearningRate = 0.01f, Epsilon = 1e-7f, Momentum = 0.5f, UseMomentum = true, Centered = true });
                break;
            case "adagrad": Same(new AdagradUpdate { LearningRate = 0.01f, Epsilon = 1e-7f }); break;
            case "nadam": Same(new NadamUpdate { OneMinusBeta1 = 0.1f, OneMinusBeta2 = 0.001f, MomentumFactor = 0.01f, GradientFactor = 0.002f, BiasCorrection2 = 0.003f, Epsilon = 1e-7f }); break;
            case "adamax": Same(new AdamaxUpdate { OneMinusBeta1 = 0.1f, Beta2 = 0.999f, StepSize = 0.01f, Epsilon = 1e-7f }); break;
            case "adadelta": Same(new AdadeltaUpdate { Rho = 0.95f, OneMinusRho = 0.05f, LearningRate = 1f, Epsilon = 1e-7f }); break;
            default: throw new ArgumentException(name);
        }
    }

    private static void Same<TOp>(TOp op) where TOp : struct, IParameterUpdate
    {
        var scalar = RunWith<TOp, Lane1>(op, 4);
        Assert.All(scalar.W, x => Assert.True(float.IsFinite(x)));
        if (Vector256HardwareOk())
        {
            var v128 = RunWith<TOp, Lanes128>(op, 4);
            AssertBits(scalar, v128, "Vector128");
            var v256 = RunWith<TOp, Lanes256>(op, 4);
            AssertBits(scalar, v256, "Vector256");
        }
        if (System.Runtime.Intrinsics.Vector512.IsHardwareAccelerated)
        {
            var v512 = RunWith<TOp, Lanes512>(op, 4);
            AssertBits(scalar, v512, "Vector512");
        }
    }

    private static bool Vector256HardwareOk() =>
        System.Runtime.Intrinsics.Vector256.IsHardwareAccelerated && System.Runtime.Intrinsics.X86.Fma.IsSupported;

    private static void AssertBits((float[] W, float[] S0, float[] S1, float[] S2) expected, (float[] W, float[] S0, float[] S1, float[] S2) actual, string width)
    {
        Assert.True(expected.W.AsSpan().SequenceEqual(actual.W), $"{width}: weights differ from the scalar path.");
        Assert.True(expected.S0.AsSpan().SequenceEqual(actual.S0), $"{width}: state 0 differs from the scalar path.");
        Assert.True(expected.S1.AsSpan().SequenceEqual(actual.S1), $"{width}: state 1 differs from the scalar path.");
        Assert.True(expected.S2.AsSpan().SequenceEqual(actual.S2), $"{width}: state 2 differs from the scalar path.");
    }

    [Fact]
    public void A_long_update_split_over_threads_equals_one_thread()
    {
        const int n = 300_001;
        float[] Run(int threads)
        {
            int saved = Parallelism.Threads;
            Parallelism.Threads = threads;
            try
            {
                using var scope = TensorScope.Begin();
                var w = Tensor.RandomNormal([n], generator: new RandomGenerator(5)).WithRequiresGrad();
                var optimizer = new Adam(learningRate: 0.01f);
                for (int step = 0; step < 3; step++)
                {
                    w.Backward(Tensor.RandomNormal([n], generator: new RandomGenerator(6 + step)));
                    optimizer.ApplyGradients([w]);
                }
                return w.ToArray();
            }
            finally
            {
                Parallelism.Threads = saved;
            }
        }
        var one = Run(1);
        var two = Run(2);
        Assert.True(one.AsSpan().SequenceEqual(two));
    }
}
