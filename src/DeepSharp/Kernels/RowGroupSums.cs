using System.Runtime.CompilerServices;

namespace DeepSharp.Kernels;

/// <summary>
/// Column sums kept per group of rows: sums[g·stride + j] += rows[r, j] for each row r, g being the group of the
/// row's batch index. A recurrent backward step adds its bias gradients this way while they are in cache. The rows
/// of a group are added into its sums in row order, one rounded addition each, so the result is the same bits as
/// adding the rows one at a time; a group's sums are loaded and stored once for all of its rows.
/// </summary>
internal static unsafe class RowGroupSums
{
    /// <param name="rows">The first of <paramref name="count"/> rows of <paramref name="columns"/> floats.</param>
    /// <param name="first">The batch index of the first row.</param>
    /// <param name="count">Rows to add.</param>
    /// <param name="columns">Floats per row.</param>
    /// <param name="sums">Group g's sums at g·<paramref name="stride"/>.</param>
    /// <param name="stride">Distance between groups' sums.</param>
    /// <param name="group">Rows per group.</param>
    internal static void Add(float* rows, int first, int count, int columns, float* sums, int stride, int group)
    {
        var pass = new Pass(rows, first, count, columns, sums, stride, group);
        LaneKernel.Run(ref pass);
    }

    private readonly struct Pass(float* rows, int first, int count, int columns, float* sums, int stride, int group) : ILaneKernel
    {
        [MethodImpl(MethodImplOptions.NoInlining)]
        public void Run<T>() where T : struct, ILanes<T>
        {
            for (int r = 0; r < count;)
            {
                int index = first + r, n = Math.Min(group - index % group, count - r);
                float* total = sums + (long)(index / group) * stride, block = rows + (long)r * columns;
                int j = Columns<T>(total, block, n, 0);
                Columns<Lane1>(total, block, n, j);
                r += n;
            }
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private int Columns<T>(float* total, float* block, int n, int j) where T : struct, ILanes<T>
        {
            for (; j <= columns - T.Count; j += T.Count)
            {
                var sum = T.Load(total + j);
                for (int i = 0; i < n; i++) sum = sum + T.Load(block + (long)i * columns + j);
                T.Store(total + j, sum);
            }
            return j;
        }
    }
}
