using DeepSharp.Kernels;

namespace DeepSharp;

public static partial class Ops
{
    // SELU's constants (Klambauer et al. 2017), as Keras and PyTorch use them.
    private const float SeluAlpha = 1.6732632423543772848170429916717f;
    private const float SeluScale = 1.0507009873554804934193349852946f;

    // ---- sigmoid: dx = g·y(1-y) ------------------------------------------------------------------------

    /// <summary>Logistic sigmoid 1 / (1 + e^-x).</summary>
    public static Tensor Sigmoid(Tensor x) => ElementwiseDriver.Unary(x, new SigmoidFunction(), "sigmoid", SigmoidBackward);

    private static void SigmoidBackward(Node n, Tensor g) => ElementwiseDriver.UnaryGradient(n, g, new SigmoidGradient(), fromOutput: true);

    // ---- tanh: dx = g·(1-y²) ---------------------------------------------------------------------------

    /// <summary>Hyperbolic tangent.</summary>
    public static Tensor Tanh(Tensor x) => ElementwiseDriver.Unary(x, new TanhFunction(), "tanh", TanhBackward);

    private static void TanhBackward(Node n, Tensor g) => ElementwiseDriver.UnaryGradient(n, g, new TanhGradient(), fromOutput: true);

    // ---- relu: dx = g where x > 0 ----------------------------------------------------------------------

    /// <summary>Rectified linear unit max(x, 0); the gradient at 0 is 0, as in PyTorch.</summary>
    public static Tensor Relu(Tensor x) => ElementwiseDriver.Unary(x, new ReluFunction(), "relu", ReluBackward);

    private static void ReluBackward(Node n, Tensor g) => ElementwiseDriver.UnaryGradient(n, g, new ReluGradient(), fromOutput: false);

    // ---- bias and relu fused: y = max(x + b, 0); dx = g where y > 0, db = Σ over rows of dx ----------------

    // Above this many floats the separate ops, which split their passes over threads, are the better choice.
    private const int BiasReluMaxSize = 1 << 18;

    /// <summary>
    /// Relu(x + bias) for x of shape [..., n] and a bias of shape [n] (a Dense layer's bias and relu), in one pass
    /// forward and one backward: the same values as the two ops. Other shapes and large inputs take the two ops.
    /// </summary>
    internal static unsafe Tensor BiasRelu(Tensor x, Tensor bias)
    {
        x.ThrowIfDisposed();
        bias.ThrowIfDisposed();
        if (x.Rank == 0 || bias.Rank != 1 || bias._shape[0] != x._shape[-1] || !x._isContiguous || !bias._isContiguous ||
            x._size > BiasReluMaxSize || bias._shape[0] == 0)
            return Relu(x + bias);
        int n = bias._shape[0], rows = x._size / n;
        var y = Tensor.Uninitialized(x._shape);
        Kernels.BiasRelu.Forward(x.Pointer, bias.Pointer, y.Pointer, rows, n);
        Node.Record("bias_relu", BiasReluBackward, y, x, bias);
        return y;
    }

    private static unsafe void BiasReluBackward(Node n, Tensor g)
    {
        Tensor x = n.A!, bias = n.B!, y = n.Output;
        int units = bias._shape[0], rows = y._size / units;
        var gradient = ContiguousOperand.Of(g);
        var dx = x._requiresGrad ? Tensor.Uninitialized(x._shape) : null;
        var db = bias._requiresGrad ? GradientEngine.NewGradient(bias) : null;
        Kernels.BiasRelu.Backward(y.Pointer, gradient.Pointer, dx is null ? null : dx.Pointer, db is null ? null : db.Pointer, rows, units);
        ContiguousOperand.Release(gradient, g);
        if (dx is not null) GradientEngine.Accumulate(x, dx);
        if (db is not null) GradientEngine.Accumulate(bias, db);
    }

    /// <summary>
    /// activation(x + bias), the tail of a Dense layer: a ReLU after a bias takes the fused pass of
    /// <see cref="BiasRelu"/>, the identity adds the bias alone, and any other activation follows the add.
    /// </summary>
    internal static Tensor BiasActivation(Tensor x, Tensor? bias, IActivation activation)
    {
        if (bias is not null && activation.IsRelu) return BiasRelu(x, bias);
        if (bias is not null) x = x + bias;
        return Activate(x, activation);
    }

    /// <summary>activation(x), nothing for the identity: for an op whose output pass could not take the activation in.</summary>
    internal static Tensor Activate(Tensor x, IActivation activation) => activation.IsLinear ? x : activation.Apply(x);

    // ---- leaky relu: dx = g for x > 0, αg otherwise ----------------------------------------------------

    /// <summary>
    /// x for x &gt; 0, <paramref name="alpha"/>·x otherwise. The default slope 0.2 is Keras'
    /// (<c>keras.activations.leaky_relu</c>); PyTorch's default is 0.01.
    /// </summary>
    public static Tensor LeakyRelu(Tensor x, float alpha = 0.2f)
    {
        if (!float.IsFinite(alpha)) throw new ArgumentException($"LeakyRelu: alpha must be finite; got {alpha}.", nameof(alpha));
        return ElementwiseDriver.Unary(x, new LeakyReluFunction(alpha), "leaky_relu", LeakyReluBackward, state: alpha);
    }

    private static void LeakyReluBackward(Node n, Tensor g)
    {
        float alpha = n.State<float>();
        ElementwiseDriver.UnaryGradient(n, g, new LeakyReluGradient(alpha), fromOutput: false);
    }

    // ---- elu and selu: dx = g·scale·(1 for x > 0, αe^x otherwise) --------------------------------------

    /// <summary>Exponential linear unit: x for x &gt; 0, <paramref name="alpha"/>·(e^x - 1) otherwise.</summary>
    public static Tensor Elu(Tensor x, float alpha = 1f)
    {
        if (!float.IsFinite(alpha)) throw new ArgumentException($"Elu: alpha must be finite; got {alpha}.", nameof(alpha));
        return ElementwiseDriver.Unary(x, new EluFunction(alpha, 1f), "elu", EluBackward, state: new EluSaved(alpha, 1f));
    }

    /// <summary>Scaled ELU: 1.0507·elu(x, α = 1.6733), the self-normalizing activation.</summary>
    public static Tensor Selu(Tensor x) =>
        ElementwiseDriver.Unary(x, new EluFunction(SeluAlpha, SeluScale), "selu", EluBackward, state: new EluSaved(SeluAlpha, SeluScale));

    private readonly record struct EluSaved(float Alpha, float Scale);

    private static void EluBackward(Node n, Tensor g)
    {
        var (alpha, scale) = n.State<EluSaved>();
        ElementwiseDriver.UnaryGradient(n, g, new EluGradient(alpha, scale), fromOutput: false);
    }

    // ---- gelu: dx = g·(Φ(x) + xφ(x)), or the derivative of the tanh form -------------------------------

    /// <summary>
    /// Gaussian error linear unit x·Φ(x), exact (erf) by default as in PyTorch and Keras; with
    /// <paramref name="approximate"/> the tanh form 0.5x(1 + tanh(√(2/π)(x + 0.044715x³))).
    /// </summary>
    public static Tensor Gelu(Tensor x, bool approximate = false) => approximate
        ? ElementwiseDriver.Unary(x, new GeluTanhFunction(), "gelu_tanh", GeluTanhBackward)
        : ElementwiseDriver.Unary(x, new GeluFunction(), "gelu", GeluBackward);

    private static void GeluBackward(Node n, Tensor g) => ElementwiseDriver.UnaryGradient(n, g, new GeluGradient(), fromOutput: false);

    private static void GeluTanhBackward(Node n, Tensor g) => ElementwiseDriver.UnaryGradient(n, g, new GeluTanhGradient(), fromOutput: false);

    // ---- softplus: dx = g·sigmoid(x) -------------------------------------------------------------------

    /// <summary>log(1 + e^x), computed so that it neither overflows for large x nor loses small values.</summary>
    public static Tensor Softplus(Tensor x) => ElementwiseDriver.Unary(x, new SoftplusFunction(), "softplus", SoftplusBackward);

    private static void SoftplusBackward(Node n, Tensor g) => ElementwiseDriver.UnaryGradient(n, g, new SoftplusGradient(), fromOutput: false);

    // ---- softsign: dx = g/(1+|x|)² ---------------------------------------------------------------------

    /// <summary>x / (1 + |x|).</summary>
    public static Tensor Softsign(Tensor x) => ElementwiseDriver.Unary(x, new SoftsignFunction(), "softsign", SoftsignBackward);

    private static void SoftsignBackward(Node n, Tensor g) => ElementwiseDriver.UnaryGradient(n, g, new SoftsignGradient(), fromOutput: false);

    // ---- swish / silu: dx = g·s(1 + x(1-s)) ------------------------------------------------------------

    /// <summary>x·sigmoid(x), Keras' <c>swish</c>, PyTorch's <c>silu</c> (same op as <see cref="Silu"/>).</summary>
    public static Tensor Swish(Tensor x) => ElementwiseDriver.Unary(x, new SwishFunction(), "swish", SwishBackward);

    /// <summary>x·sigmoid(x), PyTorch's name for <see cref="Swish"/>.</summary>
    public static Tensor Silu(Tensor x) => Swish(x);

    private static void SwishBackward(Node n, Tensor g) => ElementwiseDriver.UnaryGradient(n, g, new SwishGradient(), fromOutput: false);

    // ---- hard sigmoid: dx = g/6 where -3 < x < 3 -------------------------------------------------------

    /// <summary>
    /// relu6(x + 3) / 6, the definition of Keras 3 and PyTorch (Keras 2 used 0.2x + 0.5). The gradient is
    /// 1/6 strictly inside (-3, 3) and 0 elsewhere, as in PyTorch.
    /// </summary>
    public static Tensor HardSigmoid(Tensor x) => ElementwiseDriver.Unary(x, new ReluSixFunction(3f, 6f), "hard_sigmoid", HardSigmoidBackward);

    private static void HardSigmoidBackward(Node n, Tensor g) =>
        ElementwiseDriver.UnaryGradient(n, g, new OpenIntervalGradient(-3f, 3f, 1f / 6f), fromOutput: false);

    // ---- relu6: dx = g where 0 < x < 6 -----------------------------------------------------------------

    /// <summary>min(max(x, 0), 6); the gradient is 1 strictly inside (0, 6) and 0 elsewhere, as in PyTorch.</summary>
    public static Tensor Relu6(Tensor x) => ElementwiseDriver.Unary(x, new ReluSixFunction(0f, 1f), "relu6", Relu6Backward);

    private static void Relu6Backward(Node n, Tensor g) =>
        ElementwiseDriver.UnaryGradient(n, g, new OpenIntervalGradient(0f, 6f, 1f), fromOutput: false);

    // ---- softmax: dx = y·(g - Σ g·y); log-softmax: dx = g - e^y·Σ g ------------------------------------

    /// <summary>e^x / Σ e^x along <paramref name="axis"/> (the last by default), with the maximum subtracted first.</summary>
    public static Tensor Softmax(Tensor x, int axis = -1) => SoftmaxOp(x, axis, log: false);

    /// <summary>x - log Σ e^x along <paramref name="axis"/>, computed stably (never the log of a softmax).</summary>
    public static Tensor LogSoftmax(Tensor x, int axis = -1) => SoftmaxOp(x, axis, log: true);

    private static unsafe Tensor SoftmaxOp(Tensor x, int axis, bool log)
    {
        x.ThrowIfDisposed();
        string op = log ? "LogSoftmax" : "Softmax";
        if (x.Rank == 0) throw new ArgumentException($"{op}: the input must have at least one dimension; got a scalar.", nameof(x));
        int a = NormalizeAxis(op, "axis", axis, x._shape);
        var (outer, n, inner) = SplitAround(x._shape, a);
        var input = ContiguousOperand.Of(x);
        var y = Tensor.Uninitialized(x._shape);
        SoftmaxKernel.Forward(input.Pointer, y.Pointer, outer, n, inner, log);
        ContiguousOperand.Release(input, x);
        Node.Record(log ? "log_softmax" : "softmax", SoftmaxBackward, y, x)?.Save(new SoftmaxSaved(a, log));
        return y;
    }

    /// <summary>What a softmax keeps for backward; a cross-entropy that reads the softmax's logits also finds it by this type.</summary>
    private readonly record struct SoftmaxSaved(int Axis, bool Log);

    private static unsafe void SoftmaxBackward(Node n, Tensor g)
    {
        var (axis, log) = n.State<SoftmaxSaved>();
        var (outer, size, inner) = SplitAround(n.Output._shape, axis);
        var gradient = ContiguousOperand.Of(g);
        var dx = Tensor.Uninitialized(n.Output._shape);
        SoftmaxKernel.Backward(n.Output.Pointer, gradient.Pointer, dx.Pointer, outer, size, inner, log);
        ContiguousOperand.Release(gradient, g);
        GradientEngine.Accumulate(n.A!, dx);
    }

    /// <summary>The shape as [outer, dims[axis], inner] around one axis.</summary>
    private static (int Outer, int N, int Inner) SplitAround(in TensorShape shape, int axis)
    {
        int outer = 1, inner = 1;
        for (int d = 0; d < axis; d++) outer *= shape[d];
        for (int d = axis + 1; d < shape.Rank; d++) inner *= shape[d];
        return (outer, shape[axis], inner);
    }
}

/// <summary>The activations as members of <see cref="Tensor"/>.</summary>
public static partial class TensorMembers
{
    extension(Tensor x)
    {
        /// <summary>Logistic sigmoid; see <see cref="Ops.Sigmoid"/>.</summary>
        public Tensor Sigmoid() => Ops.Sigmoid(x);
        /// <summary>Hyperbolic tangent; see <see cref="Ops.Tanh"/>.</summary>
        public Tensor Tanh() => Ops.Tanh(x);
        /// <summary>Rectified linear unit; see <see cref="Ops.Relu"/>.</summary>
        public Tensor Relu() => Ops.Relu(x);
        /// <summary>Leaky ReLU (default slope 0.2, as Keras); see <see cref="Ops.LeakyRelu"/>.</summary>
        public Tensor LeakyRelu(float alpha = 0.2f) => Ops.LeakyRelu(x, alpha);
        /// <summary>Exponential linear unit; see <see cref="Ops.Elu"/>.</summary>
        public Tensor Elu(float alpha = 1f) => Ops.Elu(x, alpha);
        /// <summary>Scaled ELU; see <see cref="Ops.Selu"/>.</summary>
        public Tensor Selu() => Ops.Selu(x);
        /// <summary>GELU, exact or tanh-approximated; see <see cref="Ops.Gelu"/>.</summary>
        public Tensor Gelu(bool approximate = false) => Ops.Gelu(x, approximate);
        /// <summary>log(1 + e^x); see <see cref="Ops.Softplus"/>.</summary>
        public Tensor Softplus() => Ops.Softplus(x);
        /// <summary>x / (1 + |x|); see <see cref="Ops.Softsign"/>.</summary>
        public Tensor Softsign() => Ops.Softsign(x);
        /// <summary>x·sigmoid(x); see <see cref="Ops.Swish"/>.</summary>
        public Tensor Swish() => Ops.Swish(x);
        /// <summary>x·sigmoid(x); see <see cref="Ops.Silu"/>.</summary>
        public Tensor Silu() => Ops.Silu(x);
        /// <summary>relu6(x + 3) / 6; see <see cref="Ops.HardSigmoid"/>.</summary>
        public Tensor HardSigmoid() => Ops.HardSigmoid(x);
        /// <summary>min(max(x, 0), 6); see <see cref="Ops.Relu6"/>.</summary>
        public Tensor Relu6() => Ops.Relu6(x);
        /// <summary>Softmax along an axis; see <see cref="Ops.Softmax"/>.</summary>
        public Tensor Softmax(int axis = -1) => Ops.Softmax(x, axis);
        /// <summary>Log-softmax along an axis; see <see cref="Ops.LogSoftmax"/>.</summary>
        public Tensor LogSoftmax(int axis = -1) => Ops.LogSoftmax(x, axis);
    }
}
