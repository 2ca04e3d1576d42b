using DeepSharp.Kernels;
using DeepSharp.Tests.TestSupport;

namespace DeepSharp.Tests.Ops;

public class DenseOpsTests
{
    /// <summary>y, dx, dW and db of activation(x·W + b) for a fixed output gradient, with the fused op on or off.</summary>
    private static float[][] Run(bool fused, int[] xShape, int units, ActivationFunction activation, int seed, bool together = true, bool rowGroups = true,
        bool geluDerivativeInForward = true)
    {
        bool saved = DenseBiasActivation.Enabled, savedTogether = DenseBiasActivation.GradientsTogether, savedGroups = DenseRowGroups.Enabled;
        bool savedDerivative = DenseBiasActivation.GeluDerivativeInForward;
        DenseBiasActivation.Enabled = fused;
        DenseBiasActivation.GradientsTogether = together;
        DenseRowGroups.Enabled = rowGroups;
        DenseBiasActivation.GeluDerivativeInForward = geluDerivativeInForward;
        try
        {
            int k = xShape[^1];
            var x = OpAssert.Random(seed, -2f, 2f, xShape);
            var kernel = OpAssert.Random(seed + 1, -0.5f, 0.5f, k, units);
            var bias = OpAssert.Random(seed + 2, -1f, 1f, units);
            var y = global::DeepSharp.Ops.Dense(x, kernel, bias, activation);
            var g = Tensor.RandomNormal(y.Shape, generator: new RandomGenerator(seed + 3));
            y.Backward(g);
            return [y.ToArray(), x.Grad!.ToArray(), kernel.Grad!.ToArray(), bias.Grad!.ToArray()];
        }
        finally
        {
            DenseBiasActivation.Enabled = saved;
            DenseBiasActivation.GradientsTogether = savedTogether;
            DenseRowGroups.Enabled = savedGroups;
            DenseBiasActivation.GeluDerivativeInForward = savedDerivative;
        }
    }

    public static TheoryData<int[], int, string> Shapes => new()
    {
        { new[] { 1, 7 }, 10, "linear" },        // one row: the thin-rows product
        { new[] { 5, 64 }, 33, "gelu" },          // a column tail
        { new[] { 3, 9, 130 }, 128, "gelu" },     // k over a vector multiple, rank 3
        { new[] { 128, 16, 64 }, 128, "gelu" },   // the vit's hidden layer: many rectangles
        { new[] { 128, 16, 128 }, 64, "linear" }, // the vit's second layer
        { new[] { 37, 1 }, 1, "linear" },
        { new[] { 41, 20 }, 12, "tanh" },         // an activation that follows as its own op
        { new[] { 3, 700, 24 }, 40, "gelu" },     // four row groups of unequal chunks
        { new[] { 1100, 17 }, 33, "linear" },     // two row groups, tails everywhere
    };

    private static int Rows(int[] xShape) => xShape[..^1].Aggregate(1, (a, b) => a * b);

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Fused_dense_equals_the_separate_ops(int[] xShape, int units, string activation)
    {
        var separate = Run(false, xShape, units, activation, 11);
        var fused = Run(true, xShape, units, activation, 11, rowGroups: false);
        // The product, the bias add and the activation are the same operations: the same bits. The products of
        // backward too; the bias gradient sums the rows in chunks, a different order (its rounding grows with the rows).
        ThreadCounts.Identical("y, dx and dW", separate[..3], fused[..3]);
        int rows = xShape[..^1].Aggregate(1, (a, b) => a * b);
        OpAssert.Close(separate[3], fused[3], relative: 1e-5, absolute: 1e-6 + 1e-7 * rows);
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Fused_dense_has_the_same_bits_at_any_thread_count(int[] xShape, int units, string activation) =>
        ThreadCounts.SameBits($"dense {string.Join('x', xShape)} to {units} {activation}", () => Run(true, xShape, units, activation, 5));

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Gradient_products_together_give_the_bits_of_one_after_the_other(int[] xShape, int units, string activation)
    {
        var separate = Run(true, xShape, units, activation, 7, together: false, rowGroups: false);
        ThreadCounts.SameBits($"dense {string.Join('x', xShape)} to {units} {activation}, products together", () =>
        {
            var together = Run(true, xShape, units, activation, 7, together: true, rowGroups: false);
            ThreadCounts.Identical("y, dx, dW and db, together against one after the other", separate, together);
            return together;
        });
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Gelu_derivative_kept_by_forward_gives_the_bits_of_taking_it_in_backward(int[] xShape, int units, string activation)
    {
        foreach (bool rowGroups in new[] { false, true })
        {
            var inBackward = Run(true, xShape, units, activation, 17, rowGroups: rowGroups, geluDerivativeInForward: false);
            ThreadCounts.SameBits($"dense {string.Join('x', xShape)} to {units} {activation}, derivative kept, row groups {rowGroups}", () =>
            {
                var kept = Run(true, xShape, units, activation, 17, rowGroups: rowGroups, geluDerivativeInForward: true);
                ThreadCounts.Identical("y, dx, dW and db, derivative kept against taken in backward", inBackward, kept);
                return kept;
            });
        }
    }

    [Fact]
    public void Gelu_dense_without_backward_gives_the_bits_of_the_recorded_one()
    {
        // Without a backward (inference, frozen weights) the epilogue keeps z and skips the derivative: y must not change.
        var x = OpAssert.Random(3, -3f, 3f, 128, 16, 64);
        var kernel = OpAssert.Random(4, -0.5f, 0.5f, 64, 128);
        var bias = OpAssert.Random(5, -1f, 1f, 128);
        var recorded = global::DeepSharp.Ops.Dense(x, kernel, bias, (ActivationFunction)"gelu");
        Assert.True(Node.WillRecord(x, kernel, bias));
        float[] inference;
        using (global::DeepSharp.Autograd.NoGrad())
        {
            Assert.False(Node.WillRecord(x, kernel, bias));
            inference = global::DeepSharp.Ops.Dense(x, kernel, bias, (ActivationFunction)"gelu").ToArray();
        }
        ThreadCounts.Identical("y without and with a recorded backward", [inference], [recorded.ToArray()]);
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Row_groups_give_the_bits_of_the_whole_products_but_for_the_kernel_gradient(int[] xShape, int units, string activation)
    {
        var whole = Run(true, xShape, units, activation, 13, rowGroups: false);
        var groups = Run(true, xShape, units, activation, 13, rowGroups: true);
        ThreadCounts.Identical("y, dx", whole[..2], groups[..2]);
        ThreadCounts.Identical("db", whole[3..], groups[3..]);
        int rows = Rows(xShape);
        if (DenseRowGroups.Groups(rows) == 1) ThreadCounts.Identical("dW, one group", whole[2..3], groups[2..3]);
        else OpAssert.Close(whole[2], groups[2], relative: 1e-5, absolute: 1e-6 + 1e-7 * rows);
    }

    /// <summary>dz, dx, dW and db from the row groups, and from the bias pass and the products of each group made apart.</summary>
    [Theory]
    [InlineData(2048, 64, 192, false)]
    [InlineData(2048, 64, 128, true)]
    [InlineData(2100, 24, 40, true)]
    [InlineData(1100, 17, 33, false)]
    public unsafe void The_kernel_gradient_is_the_sum_of_the_groups_products_in_group_order(int rows, int k, int n, bool gelu)
    {
        var kind = gelu ? DenseActivation.Gelu : DenseActivation.Linear;
        int groups = DenseRowGroups.Groups(rows);
        Assert.True(groups > 1);
        float[] x = OpAssert.Random(1, -1f, 1f, rows, k).ToArray(), w = OpAssert.Random(2, -1f, 1f, k, n).ToArray();
        float[] z = OpAssert.Random(3, -3f, 3f, rows, n).ToArray(), dy = OpAssert.Random(4, -1f, 1f, rows, n).ToArray();
        int chunks = DenseBiasActivation.Chunks(rows);
        // The reference: dz and db by the whole pass, then each group's products apart, the partials added in order.
        var dzExpected = gelu ? new float[rows * n] : dy;
        var dbExpected = new float[n];
        var dxExpected = new float[rows * k];
        var dwExpected = new float[k * n];
        var partials = new float[DenseBiasActivation.Partials(rows, n)];
        fixed (float* px = x, pw = w, pz = z, pdy = dy, pdz = dzExpected, pdb = dbExpected, pdx = dxExpected, pdw = dwExpected, pp = partials)
        {
            DenseBiasActivation.Backward(pz, pdy, pdz, pp, pdb, rows, n, kind);
            var partial = new float[k * n];
            fixed (float* pg = partial)
                for (int g = 0; g < groups; g++)
                {
                    int row0 = DenseBiasActivation.ChunkStart(rows, chunks * g / groups), row1 = DenseBiasActivation.ChunkStart(rows, chunks * (g + 1) / groups);
                    Gemm.Multiply(false, true, row1 - row0, k, n, pdz + row0 * n, n, pw, n, pdx + row0 * k, k);
                    Gemm.Multiply(true, false, k, n, row1 - row0, px + row0 * k, k, pdz + row0 * n, n, g == 0 ? pdw : pg, n);
                    if (g > 0) System.Numerics.Tensors.TensorPrimitives.Add(dwExpected, partial, dwExpected);
                }
        }
        ThreadCounts.SameBits($"row groups {rows}x{k} to {n}", () =>
        {
            var results = GroupedBackward(x, w, z, dy, rows, k, n, gelu, kind);
            ThreadCounts.Identical("dz, dx, dW, db against the groups made apart", [dzExpected, dxExpected, dwExpected, dbExpected], results);
            return results;
        });
    }

    /// <summary>
    /// <see cref="DenseRowGroups.Backward"/> on fresh outputs: dz, dx, dW and db (dz is dy itself for a linear layer, as
    /// the op passes it).
    /// </summary>
    private static unsafe float[][] GroupedBackward(float[] x, float[] w, float[] z, float[] dy, int rows, int k, int n, bool gelu, DenseActivation kind)
    {
        var dz = gelu ? new float[rows * n] : (float[])dy.Clone();
        var dx = new float[rows * k];
        var dw = new float[k * n];
        var db = new float[n];
        var biasPartials = new float[DenseBiasActivation.Partials(rows, n)];
        var scratch = new float[DenseRowGroups.Scratch(rows, k, n)];
        fixed (float* px = x, pw = w, pz = z, pdy = gelu ? dy : dz, pdz = dz, pdx = dx, pdw = dw, pdb = db, pp = biasPartials, ps = scratch)
            DenseRowGroups.Backward(new DenseRowGroups.Operands
            {
                X = px, Kernel = pw, Z = gelu ? pz : null, Dy = pdy, Dz = pdz, Dx = pdx, Dw = pdw, Db = pdb,
                BiasPartials = pp, KernelScratch = ps, Rows = rows, K = k, N = n, Activation = kind,
            });
        return [dz, dx, dw, db];
    }

    /// <summary>
    /// The kernel's transposed panels made once for all groups, and the kernel gradient's partials added on every thread,
    /// against each group transposing the kernel itself and the partials added on one thread: the same bits, at 1 to 3 threads.
    /// </summary>
    [Theory]
    [InlineData(2048, 64, 192, false)]
    [InlineData(2048, 64, 128, true)]
    [InlineData(2048, 128, 64, false)]
    [InlineData(2100, 24, 40, true)]
    [InlineData(1100, 17, 33, false)]
    public unsafe void Row_groups_with_the_kernel_packed_once_and_sums_shared_give_the_bits_of_the_old_paths(int rows, int k, int n, bool gelu)
    {
        var kind = gelu ? DenseActivation.GeluKeepingDerivative : DenseActivation.Linear;
        float[] x = OpAssert.Random(5, -1f, 1f, rows, k).ToArray(), w = OpAssert.Random(6, -1f, 1f, k, n).ToArray();
        float[] z = OpAssert.Random(7, -3f, 3f, rows, n).ToArray(), dy = OpAssert.Random(8, -1f, 1f, rows, n).ToArray();
        float[][] Run(bool newPaths) =>
            WithSwitch(() => DenseRowGroups.PackKernelOnce, on => DenseRowGroups.PackKernelOnce = on, newPaths, () =>
                WithSwitch(() => DenseRowGroups.ParallelSums, on => DenseRowGroups.ParallelSums = on, newPaths, () =>
                    GroupedBackward(x, w, z, dy, rows, k, n, gelu, kind)));
        ThreadCounts.SameBitsAsOldPath($"row groups {rows}x{k} to {n}, new paths", "dz, dx, dW, db against the old paths", Run);
    }

    /// <summary>Each group's input rows prefetched while its input gradient computes, against not: the same bits, at 1 to 3 threads.</summary>
    [Theory]
    [InlineData(2048, 64, 192, false)]
    [InlineData(2048, 64, 128, true)]
    [InlineData(2048, 128, 64, false)]
    [InlineData(2100, 24, 40, true)]
    [InlineData(1100, 17, 33, false)]
    public void Row_groups_with_the_input_prefetched_give_the_bits_of_the_old_path(int rows, int k, int n, bool gelu)
    {
        var kind = gelu ? DenseActivation.GeluKeepingDerivative : DenseActivation.Linear;
        float[] x = OpAssert.Random(9, -1f, 1f, rows, k).ToArray(), w = OpAssert.Random(10, -1f, 1f, k, n).ToArray();
        float[] z = OpAssert.Random(11, -3f, 3f, rows, n).ToArray(), dy = OpAssert.Random(12, -1f, 1f, rows, n).ToArray();
        float[][] Run(bool prefetch) =>
            WithSwitch(() => DenseRowGroups.PrefetchInput, on => DenseRowGroups.PrefetchInput = on, prefetch, () =>
                GroupedBackward(x, w, z, dy, rows, k, n, gelu, kind));
        ThreadCounts.SameBitsAsOldPath($"row groups {rows}x{k} to {n}, input prefetched", "dz, dx, dW, db against no prefetch", Run);
    }

    /// <summary>
    /// Each thread cutting the kernel's transposed panels itself against the calling thread cutting them once for all: the
    /// same bits, at 1 to 3 threads; a backward right after one with another kernel cuts its own panels (none kept from before).
    /// </summary>
    [Theory]
    [InlineData(2048, 64, 192, false)]
    [InlineData(2048, 64, 128, true)]
    [InlineData(2048, 128, 64, false)]
    [InlineData(2100, 24, 40, true)]
    [InlineData(1100, 17, 33, false)]
    public void Row_groups_with_panels_cut_on_each_thread_give_the_bits_of_the_shared_panels(int rows, int k, int n, bool gelu)
    {
        var kind = gelu ? DenseActivation.GeluKeepingDerivative : DenseActivation.Linear;
        float[] x = OpAssert.Random(13, -1f, 1f, rows, k).ToArray(), w = OpAssert.Random(14, -1f, 1f, k, n).ToArray();
        float[] before = OpAssert.Random(15, -1f, 1f, k, n).ToArray();
        float[] z = OpAssert.Random(16, -3f, 3f, rows, n).ToArray(), dy = OpAssert.Random(17, -1f, 1f, rows, n).ToArray();
        float[][] Run(bool perThread, float[] kernel) =>
            WithSwitch(() => DenseRowGroups.PanelsPerThread, on => DenseRowGroups.PanelsPerThread = on, perThread, () =>
                GroupedBackward(x, kernel, z, dy, rows, k, n, gelu, kind));
        var shared = ThreadCounts.At(1, () => Run(false, w));
        ThreadCounts.SameBits($"row groups {rows}x{k} to {n}, panels on each thread", () =>
        {
            Run(true, before);
            var results = Run(true, w);
            ThreadCounts.Identical("dz, dx, dW, db against the shared panels", shared, results);
            return results;
        });
    }

    /// <summary>
    /// A Dense layer of one unit with its forward in bands of rows and both gradients in bands of x's columns on all threads
    /// (GemmThinColumn.Parallel), against both on the calling thread: the same bits, at 1 to 3 threads.
    /// </summary>
    [Theory]
    [InlineData(64, 6272)] // the DCGAN discriminator's logit
    [InlineData(71, 1600)] // a tail of rows, k over several k blocks
    [InlineData(9, 8000)]  // two bands of rows
    [InlineData(1030, 70)] // a tail of columns
    public void One_unit_shared_between_threads_gives_the_bits_of_the_calling_thread(int rows, int k)
    {
        float[][] Dense(bool shared) =>
            WithSwitch(() => GemmThinColumn.Parallel, on => GemmThinColumn.Parallel = on, shared, () => Run(true, [rows, k], 1, "linear", rows + k));
        ThreadCounts.SameBitsAsOldPath($"dense {rows}x{k} to one unit, shared out", "y, dx, dW, db against the calling thread", Dense);
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Activation_gradient_written_over_dy_gives_the_bits_of_a_new_buffer(int[] xShape, int units, string activation)
    {
        foreach (bool rowGroups in new[] { false, true })
        {
            float[][] Run(bool overDy) => WithSwitch(() => DenseBiasActivation.GradientOverDy, on => DenseBiasActivation.GradientOverDy = on, overDy,
                () => DenseOpsTests.Run(true, xShape, units, activation, 23, rowGroups: rowGroups));
            ThreadCounts.SameBitsAsOldPath($"dense {string.Join('x', xShape)} to {units} {activation}, dz over dy, row groups {rowGroups}", "y, dx, dW and db, dz over dy against a new buffer", Run);
        }
    }

    [Fact]
    public void Activation_gradient_is_written_over_dy_only_when_dy_is_not_shared()
    {
        // y feeds two ops: its gradient is a sum the engine owns (exclusive), and the values must be those of a new buffer.
        float[][] Run(bool overDy) => WithSwitch<float[][]>(() => DenseBiasActivation.GradientOverDy, on => DenseBiasActivation.GradientOverDy = on, overDy, () =>
        {
            var x = OpAssert.Random(31, -2f, 2f, 128, 16, 64);
            var kernel = OpAssert.Random(32, -0.5f, 0.5f, 64, 128);
            var bias = OpAssert.Random(33, -1f, 1f, 128);
            var y = global::DeepSharp.Ops.Dense(x, kernel, bias, (ActivationFunction)"gelu");
            var g = Tensor.RandomNormal(y.Shape, generator: new RandomGenerator(34));
            var twice = global::DeepSharp.Ops.Add(y * g, global::DeepSharp.Ops.Reshape(y, 2048, 128).Sum(0));
            twice.Sum().Backward();
            return [x.Grad!.ToArray(), kernel.Grad!.ToArray(), bias.Grad!.ToArray()];
        });
        ThreadCounts.Identical("dx, dW and db of a y read twice, dz over dy against a new buffer", Run(false), Run(true));
    }

    /// <summary><paramref name="run"/> with a kernel switch set to <paramref name="on"/>, the switch given back as it was after.</summary>
    private static T WithSwitch<T>(Func<bool> get, Action<bool> set, bool on, Func<T> run)
    {
        bool saved = get();
        set(on);
        try
        {
            return run();
        }
        finally
        {
            set(saved);
        }
    }

    [Fact]
    public void Fused_dense_in_row_groups_passes_the_gradient_check()
    {
        Assert.Equal(2, DenseRowGroups.Groups(1024));
        var x = OpAssert.Random(1, -1f, 1f, 2, 512, 3);
        var kernel = OpAssert.Random(2, -1f, 1f, 3, 2);
        var bias = OpAssert.Random(3, -1f, 1f, 2);
        OpAssert.GradientChecks(t => global::DeepSharp.Ops.Dense(t[0], t[1], t[2], Activations.Gelu), x, kernel, bias);
    }

    [Fact]
    public void A_residual_block_in_row_groups_allocates_nothing_once_warm()
    {
        Tensor x, kernel, bias, gamma, beta;
        using (TensorScope.Suspend())
        {
            x = OpAssert.Random(31, -1f, 1f, 64, 16, 24);
            kernel = OpAssert.Random(32, -0.5f, 0.5f, 24, 24);
            bias = OpAssert.Random(33, -0.5f, 0.5f, 24);
            gamma = OpAssert.Random(34, 0.5f, 1.5f, 24);
            beta = OpAssert.Random(35, -0.5f, 0.5f, 24);
        }
        Assert.Equal(2, DenseRowGroups.Groups(64 * 16));
        void Step()
        {
            x.ZeroGrad();
            kernel.ZeroGrad();
            bias.ZeroGrad();
            gamma.ZeroGrad();
            beta.ZeroGrad();
            using (TensorScope.Begin())
            {
                var h = DeepSharp.Ops.Multiply(x, 2f);
                var y = DeepSharp.Ops.Add(h, DeepSharp.Ops.Dense(DeepSharp.Ops.LayerNormalization(h, gamma, beta), kernel, bias, Activations.Gelu));
                DeepSharp.Ops.Sum(DeepSharp.Ops.Square(y)).Backward();
            }
        }
        for (int i = 0; i < 5; i++) Step(); // fill the pools
        Assert.Equal(0, SteadyStateAllocation.FewestBytes(Step, rounds: 6, stepsPerRound: 10));
    }

    [Fact]
    public void Fused_dense_passes_the_gradient_check()
    {
        var x = OpAssert.Random(1, -1f, 1f, 2, 3, 5);
        var kernel = OpAssert.Random(2, -1f, 1f, 5, 4);
        var bias = OpAssert.Random(3, -1f, 1f, 4);
        OpAssert.GradientChecks(t => global::DeepSharp.Ops.Dense(t[0], t[1], t[2], Activations.Gelu), x, kernel, bias);
        OpAssert.GradientChecks(t => global::DeepSharp.Ops.Dense(t[0], t[1], t[2]), x, kernel, bias);
        Assert.Equal("dense", global::DeepSharp.Ops.Dense(x, kernel, bias, Activations.Gelu).GradFunction);
    }

    [Fact]
    public void Dense_without_a_bias_or_with_a_relu_takes_the_separate_ops()
    {
        var x = OpAssert.Random(1, -1f, 1f, 4, 3);
        var kernel = OpAssert.Random(2, -1f, 1f, 3, 2);
        var bias = OpAssert.Random(3, -1f, 1f, 2);
        Assert.Equal("matmul", global::DeepSharp.Ops.Dense(x, kernel, null).GradFunction);
        Assert.Equal("bias_relu", global::DeepSharp.Ops.Dense(x, kernel, bias, Activations.Relu).GradFunction);
        var wrong = OpAssert.Random(4, -1f, 1f, 4, 2);
        Assert.Throws<ArgumentException>(() => global::DeepSharp.Ops.Dense(x, wrong, bias));
    }
}
