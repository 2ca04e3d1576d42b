using System.Numerics.Tensors;

namespace DeepSharp.Kernels;

/// <summary>
/// Gathering slices along one axis by index and scattering their gradients back: data viewed as
/// [outer, axis, inner], indices as floats holding whole numbers (negative ones count from the end).
/// Indices are checked once, before any kernel reads them.
/// </summary>
internal static unsafe class GatherKernel
{
    private const int ParallelThreshold = 1 << 16;

    /// <summary>The position of the first index that is not a whole number in [-axisSize, axisSize), or -1.</summary>
    internal static int FirstInvalid(float* indices, int count, int axisSize)
    {
        for (int j = 0; j < count; j++)
        {
            float v = indices[j];
            if (!(v >= -axisSize && v < axisSize) || v != MathF.Floor(v)) return j;
        }
        return -1;
    }

    /// <summary>y[o, j, :] = x[o, indices[j], :].</summary>
    internal static void Forward(float* x, int outer, int axisSize, int inner, float* indices, int count, float* y)
    {
        var plan = new Plan { X = x, Y = y, Indices = indices, AxisSize = axisSize, Inner = inner, Count = count, Rows = (long)outer * count };
        if (plan.Rows * inner < ParallelThreshold || plan.Rows < 2 || Parallelism.Threads == 1)
        {
            plan.Copy(0, plan.Rows);
            return;
        }
        plan.Chunks = (int)Math.Min(plan.Rows, Parallelism.Threads * 4L);
        WorkerPool.For(plan.Chunks, ref plan);
    }

    /// <summary>dx[o, indices[j], :] += g[o, j, :], with <paramref name="dx"/> zeroed by the caller; repeated indices add up.</summary>
    internal static void Backward(float* g, int outer, int axisSize, int inner, float* indices, int count, float* dx)
    {
        for (long o = 0; o < outer; o++)
        {
            for (int j = 0; j < count; j++)
            {
                int index = (int)indices[j];
                if (index < 0) index += axisSize;
                var target = new Span<float>(dx + (o * axisSize + index) * inner, inner);
                var source = new ReadOnlySpan<float>(g + (o * count + j) * inner, inner);
                TensorPrimitives.Add(target, source, target);
            }
        }
    }

    private struct Plan : IParallelBody
    {
        public float* X, Y, Indices;
        public int AxisSize, Inner, Count, Chunks;
        public long Rows;

        public readonly void Execute(int chunk) => Copy(Rows * chunk / Chunks, Rows * (chunk + 1) / Chunks);

        /// <summary>Output rows [first, last), a row being one (o, j) pair of Inner values.</summary>
        public readonly void Copy(long first, long last)
        {
            for (long row = first; row < last; row++)
            {
                long o = row / Count;
                int j = (int)(row - o * Count);
                int index = (int)Indices[j];
                if (index < 0) index += AxisSize;
                new ReadOnlySpan<float>(X + (o * AxisSize + index) * Inner, Inner).CopyTo(new Span<float>(Y + row * Inner, Inner));
            }
        }
    }
}
