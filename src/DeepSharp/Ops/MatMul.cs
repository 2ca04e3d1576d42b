using DeepSharp.Kernels;

namespace DeepSharp;

public static unsafe partial class Ops
{
    /// <summary>
    /// Matrix product with NumPy's rules: 2-D × 2-D is a matrix product; higher ranks are stacks of
    /// matrices whose leading (batch) dimensions broadcast; a 1-D operand is a row (left) or column (right)
    /// vector whose dimension is dropped from the result. Transposed views are multiplied in place.
    /// </summary>
    public static Tensor MatMul(Tensor a, Tensor b)
    {
        a.ThrowIfDisposed();
        b.ThrowIfDisposed();
        if (a.Rank == 0 || b.Rank == 0)
            throw new ArgumentException($"MatMul: both operands need at least one dimension; got shapes {a._shape} and {b._shape}.");
        var plan = MatMulPlan.Create(a, b);
        var y = Tensor.Uninitialized(plan.OutputShape);
        using (var left = MatrixOperand.Of(a, plan.ARowsAreVector, isLeft: true))
        using (var right = MatrixOperand.Of(b, plan.BColumnsAreVector, isLeft: false))
        {
            plan.Run(left, right, y.Pointer);
        }
        Node.Record("matmul", MatMulBackward, y, a, b);
        return y;
    }

    private static void MatMulBackward(Node n, Tensor g)
    {
        Tensor a = n.A!, b = n.B!;
        var plan = MatMulPlan.Create(a, b);
        using var left = MatrixOperand.Of(a, plan.ARowsAreVector, isLeft: true);
        using var right = MatrixOperand.Of(b, plan.BColumnsAreVector, isLeft: false);
        var gradient = ContiguousOperand.Of(g);
        if (a._requiresGrad) GradientEngine.Accumulate(a, plan.GradientOfA(gradient.Pointer, right, a));
        if (b._requiresGrad) GradientEngine.Accumulate(b, plan.GradientOfB(gradient.Pointer, left, b));
        ContiguousOperand.Release(gradient, g);
    }

    /// <summary>Matrix product; see <see cref="Ops.MatMul"/>.</summary>
    private readonly struct MatMulPlan
    {
        public readonly int M, N, K;
        public readonly TensorShape BatchShape;   // broadcast batch dimensions
        public readonly TensorShape OutputShape;
        public readonly bool ARowsAreVector, BColumnsAreVector;

        private MatMulPlan(int m, int n, int k, in TensorShape batch, in TensorShape output, bool aVector, bool bVector)
        {
            M = m; N = n; K = k; BatchShape = batch; OutputShape = output; ARowsAreVector = aVector; BColumnsAreVector = bVector;
        }

        public static MatMulPlan Create(Tensor a, Tensor b)
        {
            bool aVector = a.Rank == 1, bVector = b.Rank == 1;
            int m = aVector ? 1 : a._shape[-2];
            int ka = a._shape[-1];
            int kb = bVector ? b._shape[0] : b._shape[-2];
            int n = bVector ? 1 : b._shape[-1];
            if (ka != kb)
                throw new ArgumentException(
                    $"MatMul: shapes {a._shape} and {b._shape} cannot be multiplied: the left operand has {ka} columns but the right has {kb} rows.");
            var aBatch = BatchOf(a, aVector);
            var bBatch = BatchOf(b, bVector);
            var batch = aBatch.Rank == 0 ? bBatch : bBatch.Rank == 0 ? aBatch : Broadcasting.ResultShape(aBatch, bBatch, "MatMul (batch dimensions)");
            Span<int> dims = stackalloc int[batch.Rank + 2];
            batch.Dims.CopyTo(dims);
            int rank = batch.Rank;
            if (!aVector) dims[rank++] = m;
            if (!bVector) dims[rank++] = n;
            return new MatMulPlan(m, n, ka, batch, new TensorShape(dims[..rank]), aVector, bVector);
        }

        private static TensorShape BatchOf(Tensor t, bool vector) =>
            vector || t.Rank == 2 ? new TensorShape() : new TensorShape(t._shape.Dims[..^2]);

        /// <summary>Writes op(A)·op(B) for every batch element into contiguous <paramref name="c"/>.</summary>
        public void Run(in MatrixOperand a, in MatrixOperand b, float* c)
        {
            // A stack of matrices times one matrix is a single tall GEMM when the stack is contiguous.
            if (b.BatchRank == 0 && a.RowsStackContiguously)
            {
                Gemm.Multiply(a.Transposed, b.Transposed, a.StackedRows * M, N, K, a.Pointer, a.Ld, b.Pointer, b.Ld, c, N);
                return;
            }
            long count = BatchShape.Size;
            Span<int> index = stackalloc int[Math.Max(1, BatchShape.Rank)];
            index.Clear();
            for (long i = 0; i < count; i++)
            {
                Gemm.Multiply(a.Transposed, b.Transposed, M, N, K,
                    a.Pointer + a.BatchOffset(index, BatchShape), a.Ld,
                    b.Pointer + b.BatchOffset(index, BatchShape), b.Ld,
                    c + i * M * N, N);
                Advance(index, BatchShape);
            }
        }

        /// <summary>dA = g·op(B)ᵀ, shaped like A (summed over batch dimensions A was broadcast along).</summary>
        public Tensor GradientOfA(float* g, in MatrixOperand b, Tensor a)
        {
            var aShape = a._shape;
            if (b.BatchRank == 0)
            {
                // B is one matrix: all of A's stacked rows take their gradient in a single GEMM.
                var direct = GradientEngine.NewGradient(a);
                Gemm.Multiply(false, !b.Transposed, (int)BatchShape.Size * M, K, N, g, N, b.Pointer, b.Ld, direct.Pointer, K);
                return direct;
            }
            var full = Tensor.Uninitialized(StackShape(M, K));
            Span<int> index = stackalloc int[Math.Max(1, BatchShape.Rank)];
            index.Clear();
            for (long i = 0; i < BatchShape.Size; i++)
            {
                Gemm.Multiply(false, !b.Transposed, M, K, N, g + i * M * N, N,
                    b.Pointer + b.BatchOffset(index, BatchShape), b.Ld, full.Pointer + i * M * K, K);
                Advance(index, BatchShape);
            }
            return FitTo(full, aShape);
        }

        /// <summary>dB = op(A)ᵀ·g, shaped like B (summed over batch dimensions B was broadcast along).</summary>
        public Tensor GradientOfB(float* g, in MatrixOperand a, Tensor b)
        {
            var bShape = b._shape;
            if (bShape.Rank <= 2 && (a.BatchRank == 0 || a.RowsStackContiguously))
            {
                // dB = Σ op(A_i)ᵀ·g_i: with the stack laid out as one tall matrix this is a single GEMM.
                var direct = GradientEngine.NewGradient(b);
                int rows = a.BatchRank == 0 ? M : a.StackedRows * M;
                Gemm.Multiply(!a.Transposed, false, K, N, rows, a.Pointer, a.Ld, g, N, direct.Pointer, N);
                return direct;
            }
            var full = Tensor.Uninitialized(StackShape(K, N));
            Span<int> index = stackalloc int[Math.Max(1, BatchShape.Rank)];
            index.Clear();
            for (long i = 0; i < BatchShape.Size; i++)
            {
                Gemm.Multiply(!a.Transposed, false, K, N, M, a.Pointer + a.BatchOffset(index, BatchShape), a.Ld,
                    g + i * M * N, N, full.Pointer + i * K * N, N);
                Advance(index, BatchShape);
            }
            return FitTo(full, bShape);
        }

        private TensorShape StackShape(int rows, int columns)
        {
            Span<int> dims = stackalloc int[BatchShape.Rank + 2];
            BatchShape.Dims.CopyTo(dims);
            dims[^2] = rows;
            dims[^1] = columns;
            return new TensorShape(dims);
        }

        /// <summary>Gives <paramref name="full"/> the operand's shape: same layout, or summed over broadcast batches.</summary>
        private static Tensor FitTo(Tensor full, in TensorShape shape)
        {
            if (full._size == shape.Size)
            {
                var view = Tensor.ContiguousView(full, shape);
                full.Recycle();
                return view;
            }
            var reduced = full.SumToShape(VectorAsMatrix(shape, full._shape));
            full.Recycle();
            if (reduced._shape == shape) return reduced;
            var reshaped = Tensor.ContiguousView(reduced, shape);
            reduced.Recycle();
            return reshaped;
        }

        /// <summary>A 1-D operand's shape as the matrix it stood for ([k] as [1, k] or [k, 1]).</summary>
        private static TensorShape VectorAsMatrix(in TensorShape shape, in TensorShape full) =>
            shape.Rank != 1 ? shape : full[-2] == 1 ? new TensorShape(1, shape[0]) : new TensorShape(shape[0], 1);

        private static void Advance(Span<int> index, in TensorShape batch)
        {
            for (int d = batch.Rank - 1; d >= 0; d--)
            {
                if (++index[d] < batch[d]) return;
                index[d] = 0;
            }
        }
    }

    /// <summary>
    /// One operand of a matrix product as the GEMM sees it: base pointer, whether it is stored transposed,
    /// its leading dimension and its batch strides. Views whose matrices are neither row- nor column-major
    /// are copied to contiguous memory first (the copy is released on dispose).
    /// </summary>
    private readonly struct MatrixOperand : IDisposable
    {
        public readonly float* Pointer;
        public readonly bool Transposed;
        public readonly int Ld;
        public readonly int BatchRank;
        public readonly Dims8 BatchDims, BatchStrides;
        public readonly bool RowsStackContiguously;
        public readonly int StackedRows;        // product of batch dims when RowsStackContiguously
        private readonly Tensor? _copy;

        private MatrixOperand(Tensor t, bool vectorOperand, bool isLeft, Tensor? copy)
        {
            _copy = copy;
            Pointer = t.Pointer;
            int rank = t.Rank;
            if (vectorOperand)
            {
                // [k] read as a 1×k row (left) or a k×1 column (right); both are contiguous runs.
                Transposed = false;
                Ld = isLeft ? t._shape[0] : 1;
                BatchRank = 0;
                RowsStackContiguously = true;
                StackedRows = 1;
                return;
            }
            int rowStride = t._strides[rank - 2], columnStride = t._strides[rank - 1];
            int rows = t._shape[rank - 2], columns = t._shape[rank - 1];
            if (IsRowMajor(rows, columns, rowStride, columnStride))
            {
                Transposed = false;
                Ld = Math.Max(rowStride, columns);
            }
            else
            {
                Transposed = true;
                Ld = Math.Max(columnStride, rows);
            }
            BatchRank = rank - 2;
            long stacked = 1;
            for (int d = 0; d < BatchRank; d++)
            {
                BatchDims[d] = t._shape[d];
                BatchStrides[d] = t._strides[d];
                stacked *= t._shape[d];
            }
            StackedRows = (int)stacked;
            RowsStackContiguously = !Transposed && t._isContiguous;
        }

        public static MatrixOperand Of(Tensor t, bool vectorOperand, bool isLeft)
        {
            if (vectorOperand) return t._isContiguous ? new(t, true, isLeft, null) : OfCopy(t, true, isLeft);
            int rank = t.Rank;
            int rows = t._shape[rank - 2], columns = t._shape[rank - 1];
            int rowStride = t._strides[rank - 2], columnStride = t._strides[rank - 1];
            return IsRowMajor(rows, columns, rowStride, columnStride) || IsColumnMajor(rows, columns, rowStride, columnStride)
                ? new(t, false, isLeft, null)
                : OfCopy(t, false, isLeft);
        }

        // A GEMM operand has element (i, j) at i·ld + j (row-major) or i + j·ld (column-major) with ld at least
        // the row (column) length. Other views — a broadcast row or column with stride 0, a slice with a step
        // along the contiguous axis — are copied first.
        private static bool IsRowMajor(int rows, int columns, int rowStride, int columnStride) =>
            (columnStride == 1 || columns == 1) && (rows == 1 || rowStride >= columns);

        private static bool IsColumnMajor(int rows, int columns, int rowStride, int columnStride) =>
            (rowStride == 1 || rows == 1) && (columns == 1 || columnStride >= rows);

        private static MatrixOperand OfCopy(Tensor t, bool vectorOperand, bool isLeft)
        {
            var copy = t.ContiguousCopy();
            return new MatrixOperand(copy, vectorOperand, isLeft, copy);
        }

        /// <summary>Offset of the matrix at batch <paramref name="index"/> of the broadcast batch shape.</summary>
        public long BatchOffset(ReadOnlySpan<int> index, in TensorShape batch)
        {
            long offset = 0;
            int pad = batch.Rank - BatchRank;
            for (int d = 0; d < BatchRank; d++)
                if (BatchDims[d] != 1) offset += (long)index[d + pad] * BatchStrides[d];
            return offset;
        }

        public void Dispose() => _copy?.Recycle();
    }
}

/// <summary>Matrix product as a member of <see cref="Tensor"/>.</summary>
public static partial class TensorMembers
{
    extension(Tensor a)
    {
        /// <summary>Matrix product; see <see cref="Ops.MatMul"/>.</summary>
        public Tensor MatMul(Tensor b) => Ops.MatMul(a, b);
    }
}
