namespace DeepSharp.Interop.Onnx;

// Elementwise arithmetic, comparisons and logic. Binary ops broadcast as NumPy (ONNX's multidirectional
// broadcasting); integer results are truncated by the node afterwards, so Div of integers divides exactly.
internal static partial class OnnxOperators
{
    private static void AddElementwise(Action<string, int, OnnxConverter> add)
    {
        Binary(add, "Add", Ops.Add);
        Binary(add, "Sub", Ops.Subtract);
        Binary(add, "Mul", Ops.Multiply);
        Binary(add, "Div", Ops.Divide);
        add("Pow", 1, node => One(x => Ops.Pow(x.Required(0, "Pow"), x.Required(1, "Pow"))));
        Binary(add, "Equal", Ops.Equal);
        Binary(add, "Greater", Ops.Greater);
        Binary(add, "Less", Ops.Less);
        Binary(add, "GreaterOrEqual", Ops.GreaterEqual);
        Binary(add, "LessOrEqual", Ops.LessEqual);
        Binary(add, "And", Ops.Multiply);
        Binary(add, "Or", Ops.Maximum);
        Binary(add, "Xor", Ops.NotEqual);
        add("Not", 1, node => One(x => Ops.ReverseSubtract(1f, x.Required(0, "Not"))));
        add("Where", 9, node => One(x => Ops.Where(x.Required(0, "Where"), x.Required(1, "Where"), x.Required(2, "Where"))));

        Variadic(add, "Max", Ops.Maximum, mean: false);
        Variadic(add, "Min", Ops.Minimum, mean: false);
        Variadic(add, "Sum", Ops.Add, mean: false);
        Variadic(add, "Mean", Ops.Add, mean: true);

        Unary(add, "Abs", Ops.Abs);
        Unary(add, "Neg", Ops.Negate);
        Unary(add, "Exp", Ops.Exp);
        Unary(add, "Log", Ops.Log);
        Unary(add, "Sqrt", Ops.Sqrt);
        Unary(add, "Reciprocal", Ops.Reciprocal);
        Unary(add, "Sign", Ops.Sign);
        Unary(add, "Erf", OnnxMath.Erf);
        Unary(add, "Identity", x => x);
        // Their derivative is zero wherever it exists: computed on the host, recorded as constants.
        Unary(add, "Floor", x => OnnxValues.Map(x, MathF.Floor));
        Unary(add, "Ceil", x => OnnxValues.Map(x, MathF.Ceiling));
        Unary(add, "Round", x => OnnxValues.Map(x, v => MathF.Round(v, MidpointRounding.ToEven)));
        add("IsNaN", 9, node => One(x => OnnxValues.Map(x.Required(0, "IsNaN"), v => float.IsNaN(v) ? 1f : 0f)));
        add("Shrink", 9, node =>
        {
            // x − bias above lambd, x + bias below −lambd, 0 between.
            float lambd = node.Attributes.Float("lambd", 0.5f), bias = node.Attributes.Float("bias", 0f);
            return One(x =>
            {
                var input = x.Required(0, "Shrink");
                var above = Ops.Multiply(Ops.Add(input, -bias), Ops.Greater(input, lambd));
                var below = Ops.Multiply(Ops.Add(input, bias), Ops.Less(input, -lambd));
                return Ops.Add(above, below);
            });
        });

        add("Clip", 1, node =>
        {
            // Before opset 11 the bounds are attributes; from 11 they are optional inputs.
            float low = node.Attributes.Float("min", float.NegativeInfinity), high = node.Attributes.Float("max", float.PositiveInfinity);
            return One(x => Clip(x.Required(0, "Clip"), low, high));
        });
        add("Clip", 11, node => One(x =>
        {
            float low = x.Optional(1) is { } min ? OnnxValues.Scalar(min, "Clip's min") : float.NegativeInfinity;
            float high = x.Optional(2) is { } max ? OnnxValues.Scalar(max, "Clip's max") : float.PositiveInfinity;
            return Clip(x.Required(0, "Clip"), low, high);
        }));
    }

    /// <summary>NumPy's clip: max(x, low) then min with high, so that low above high gives high everywhere.</summary>
    private static Tensor Clip(Tensor x, float low, float high) =>
        low <= high ? Ops.Clip(x, low, high) : Ops.Minimum(Ops.Maximum(x, Tensor.Scalar(low)), Tensor.Scalar(high));

    private static void Unary(Action<string, int, OnnxConverter> add, string op, Func<Tensor, Tensor> f) =>
        add(op, 1, node => One(x => f(x.Required(0, op))));

    private static void Binary(Action<string, int, OnnxConverter> add, string op, Func<Tensor, Tensor, Tensor> f) =>
        add(op, 1, node =>
        {
            // Before opset 7, broadcasting was asked for with an attribute, and "axis" aligned the second
            // operand at that axis of the first rather than at its end; NumPy's rule covers the rest.
            long? axis = node.Opset < 7 && node.Attributes.Int("broadcast", 0) != 0 && node.Attributes.Has("axis") ? node.Attributes.Int("axis", 0) : null;
            return One(x =>
            {
                Tensor a = x.Required(0, op), b = x.Required(1, op);
                return f(a, axis is { } at ? AlignAt(b, a.Rank, OnnxValues.Axis(at, a.Rank, op)) : b);
            });
        });

    /// <summary><paramref name="b"/> with axes of size 1 around it, so that its first axis lines up with axis <paramref name="at"/> of a tensor of <paramref name="rank"/>.</summary>
    private static Tensor AlignAt(Tensor b, int rank, int at)
    {
        var shape = Enumerable.Repeat(1, rank).ToArray();
        if (at + b.Rank > rank) throw new ArgumentException($"broadcast axis {at} does not fit a second operand of shape {b.Shape} against rank {rank}.");
        for (int i = 0; i < b.Rank; i++) shape[at + i] = b.Shape[i];
        return Ops.Reshape(b, shape);
    }

    private static void Variadic(Action<string, int, OnnxConverter> add, string op, Func<Tensor, Tensor, Tensor> f, bool mean) =>
        add(op, 1, node => One(x =>
        {
            var result = x.Required(0, op);
            int count = 1;
            for (int i = 1; i < x.Length; i++)
                if (x[i] is { } next)
                {
                    result = f(result, next);
                    count++;
                }
            return mean && count > 1 ? Ops.Multiply(result, 1f / count) : result;
        }));
}
