using DeepSharp.Kernels;

namespace DeepSharp;

public static unsafe partial class Ops
{
    // ---- dense: y = act(z), z = x·W + b; dz = dy·act'(z), db = Σ over rows of dz, dx = dz·Wᵀ, dW = xᵀ·dz ----------

    /// <summary>
    /// A Dense layer's activation(x·kernel + bias) for x (..., k), kernel (k, n) and bias (n) as one op: the bias and a
    /// linear or gelu activation are applied to each block of the product while it is in cache, and backward takes the
    /// activation's and the bias's gradients in one pass before its two products (from 1,024 rows on in groups of rows,
    /// <see cref="DenseRowGroups"/>: the kernel gradient then sums per-group products; a layer of one unit takes both products
    /// in bands of x's columns on all threads, <see cref="ThinColumnGradients"/>). Otherwise the values are those of
    /// the separate ops. A ReLU takes <see cref="BiasRelu"/>, other activations follow as their own op, and other operands (no bias,
    /// other shapes) take <see cref="MatMul"/> and the separate ops.
    /// </summary>
    internal static Tensor Dense(Tensor x, Tensor kernel, Tensor? bias, IActivation? activation = null)
    {
        x.ThrowIfDisposed();
        kernel.ThrowIfDisposed();
        bool linear = activation is null || activation.IsLinear;
        if (!DenseBiasActivation.Enabled || bias is null || x.Rank < 2 || kernel.Rank != 2 || bias.Rank != 1 || !kernel._isContiguous || !bias._isContiguous
            || x._shape[-1] != kernel._shape[0] || bias._shape[0] != kernel._shape[1] || x._size == 0 || kernel._size == 0
            || (!linear && activation!.IsRelu))
        {
            var product = MatMul(x, kernel);
            return activation is null ? (bias is null ? product : Add(product, bias)) : BiasActivation(product, bias, activation);
        }
        bias.ThrowIfDisposed();
        var kind = linear || !activation!.IsGelu ? DenseActivation.Linear
            // Backward needs z only for GELU's derivative: keep that instead when there will be a backward.
            : DenseBiasActivation.GeluDerivativeInForward && Node.WillRecord(x, kernel, bias) ? DenseActivation.GeluKeepingDerivative
            : DenseActivation.Gelu;
        int k = kernel._shape[0], n = kernel._shape[1], rows = x._size / k;
        var input = ContiguousOperand.Of(x);
        var y = Tensor.Uninitialized(x._shape.With(-1, n));
        var z = kind == DenseActivation.Linear ? y : Tensor.Uninitialized(y._shape);
        var tail = new DenseBiasActivation.Tail { Z = z.Pointer, Y = y.Pointer, Bias = bias.Pointer, Ldc = n, Activation = kind };
        Gemm.Multiply(false, false, rows, n, k, input.Pointer, k, kernel.Pointer, n, z.Pointer, n, epilogue: DenseBiasActivation.Epilogue(&tail));
        ContiguousOperand.Release(input, x);
        var node = Node.Record("dense", DenseBackward, y, x, kernel, bias);
        if (node is not null)
        {
            node.OutputUnread = true; // backward reads x, the kernel and z (or GELU's derivative), never y
            node.Save(kind);
            if (!ReferenceEquals(z, y)) node.Keep(z);
        }
        else if (!ReferenceEquals(z, y)) z.Recycle();
        return linear || kind != DenseActivation.Linear ? y : activation!.Apply(y);
    }

    private static void DenseBackward(Node node, Tensor g)
    {
        Tensor x = node.A!, kernel = node.B!, bias = node.C!;
        var kind = node.State<DenseActivation>();
        int k = kernel._shape[0], n = kernel._shape[1], rows = x._size / k;
        var dy = ContiguousOperand.Of(g);
        var z = kind == DenseActivation.Linear ? null : node.Kept.First!;
        // dy is read once, element by element, where dz is written: dz may take its buffer (in cache) when no other tensor shares it.
        var dz = z is null || (DenseBiasActivation.GradientOverDy && dy._isContiguous && dy._storage!.References == 1) ? dy : Tensor.Uninitialized(dy._shape);
        var db = bias._requiresGrad ? GradientEngine.NewGradient(bias) : null;
        var partials = db is null ? null : Tensor.Uninitialized(new TensorShape((int)DenseBiasActivation.Partials(rows, n)));
        if (DenseRowGroups.Enabled && DenseRowGroups.Groups(rows) > 1)
        {
            GroupedBackward(node, g, dy, z, dz, db, partials, k, n, rows, kind);
            return;
        }
        DenseBiasActivation.Backward(z is null ? null : z.Pointer, dy.Pointer, dz.Pointer, partials is null ? null : partials.Pointer,
            db is null ? null : db.Pointer, rows, n, kind);
        partials?.Recycle();
        var input = kernel._requiresGrad ? ContiguousOperand.Of(x) : null;
        var dw = kernel._requiresGrad ? GradientEngine.NewGradient(kernel) : null;
        var dx = x._requiresGrad ? GradientEngine.NewGradient(x) : null;
        if (n == 1 && (dw is not null || dx is not null) && ThinColumnGradients.Takes(rows, k))
        {
            // One unit (a logit): each product reads or writes all of x with little arithmetic; shared out column band by band.
            ThinColumnGradients.Run(input is null ? null : input.Pointer, kernel.Pointer, dz.Pointer, dx is null ? null : dx.Pointer,
                dw is null ? null : dw.Pointer, rows, k);
            Complete(x, kernel, bias, input, dw, dx, db, dz, dy, g);
            return;
        }
        var products = new GemmGroup();
        if (dw is not null) products.Add(true, false, k, n, rows, input!.Pointer, k, dz.Pointer, n, dw.Pointer, n);
        if (dx is not null) products.Add(false, true, rows, k, n, dz.Pointer, n, kernel.Pointer, n, dx.Pointer, k);
        // Two products side by side on two cores; one alone is shared out by the GEMM itself.
        products.Run(together: dw is not null && dx is not null && DenseBiasActivation.GradientsTogether);
        Complete(x, kernel, bias, input, dw, dx, db, dz, dy, g);
    }

    /// <summary>The same backward over many rows, in groups of rows (<see cref="DenseRowGroups"/>).</summary>
    private static void GroupedBackward(Node node, Tensor g, Tensor dy, Tensor? z, Tensor dz, Tensor? db, Tensor? partials, int k, int n, int rows,
        DenseActivation kind)
    {
        Tensor x = node.A!, kernel = node.B!, bias = node.C!;
        var input = kernel._requiresGrad ? ContiguousOperand.Of(x) : null;
        var dw = kernel._requiresGrad ? GradientEngine.NewGradient(kernel) : null;
        var dx = x._requiresGrad ? GradientEngine.NewGradient(x) : null;
        var scratch = dw is null && dx is null ? null : Tensor.Uninitialized(new TensorShape((int)DenseRowGroups.Scratch(rows, k, n)));
        DenseRowGroups.Backward(new DenseRowGroups.Operands
        {
            X = input is null ? null : input.Pointer, Kernel = kernel.Pointer, Z = z is null ? null : z.Pointer, Dy = dy.Pointer,
            Dz = dz.Pointer, Dx = dx is null ? null : dx.Pointer, Dw = dw is null ? null : dw.Pointer, Db = db is null ? null : db.Pointer,
            BiasPartials = partials is null ? null : partials.Pointer, KernelScratch = scratch is null ? null : scratch.Pointer,
            Rows = rows, K = k, N = n, Activation = kind,
        });
        scratch?.Recycle();
        partials?.Recycle();
        Complete(x, kernel, bias, input, dw, dx, db, dz, dy, g);
    }

    /// <summary>Hands the gradients to the engine and returns the step's temporaries, after either backward.</summary>
    private static void Complete(Tensor x, Tensor kernel, Tensor bias, Tensor? input, Tensor? dw, Tensor? dx, Tensor? db, Tensor dz, Tensor dy, Tensor g)
    {
        if (input is not null) ContiguousOperand.Release(input, x);
        if (dw is not null) GradientEngine.Accumulate(kernel, dw);
        if (dx is not null) GradientEngine.Accumulate(x, dx);
        if (db is not null) GradientEngine.Accumulate(bias, db);
        if (!ReferenceEquals(dz, dy)) dz.Recycle();
        ContiguousOperand.Release(dy, g);
    }
}
