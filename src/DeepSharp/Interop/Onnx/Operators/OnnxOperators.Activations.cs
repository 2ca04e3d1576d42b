namespace DeepSharp.Interop.Onnx;

// Activations. Those DeepSharp has run as its fused Ops; ONNX's parameterised forms (Selu's alpha and gamma,
// HardSigmoid's slope, Celu) are composed from them.
internal static partial class OnnxOperators
{
    private static void AddActivations(Action<string, int, OnnxConverter> add)
    {
        Unary(add, "Relu", Ops.Relu);
        Unary(add, "Sigmoid", Ops.Sigmoid);
        Unary(add, "Tanh", Ops.Tanh);
        Unary(add, "Softplus", Ops.Softplus);
        Unary(add, "Softsign", Ops.Softsign);
        add("LeakyRelu", 1, node =>
        {
            float alpha = node.Attributes.Float("alpha", 0.01f);
            return One(x => Ops.LeakyRelu(x.Required(0, "LeakyRelu"), alpha));
        });
        add("Elu", 1, node =>
        {
            float alpha = node.Attributes.Float("alpha", 1f);
            return One(x => Ops.Elu(x.Required(0, "Elu"), alpha));
        });
        add("Selu", 1, node =>
        {
            float alpha = node.Attributes.Float("alpha", 1.67326319217681884765625f);
            float gamma = node.Attributes.Float("gamma", 1.05070102214813232421875f);
            return One(x => Ops.Multiply(Ops.Elu(x.Required(0, "Selu"), alpha), gamma));
        });
        add("Celu", 12, node =>
        {
            // max(0, x) + min(0, α(e^(x/α) − 1)) is α·elu(x/α).
            float alpha = node.Attributes.Float("alpha", 1f);
            node.Require(alpha != 0f, "Celu with alpha 0 is not defined");
            return One(x => Ops.Multiply(Ops.Elu(Ops.Multiply(x.Required(0, "Celu"), 1f / alpha)), alpha));
        });
        add("HardSigmoid", 1, node =>
        {
            float alpha = node.Attributes.Float("alpha", 0.2f), beta = node.Attributes.Float("beta", 0.5f);
            return One(x => Ops.Clip(Ops.Add(Ops.Multiply(x.Required(0, "HardSigmoid"), alpha), beta), 0f, 1f));
        });
        add("HardSwish", 14, node => One(x =>
        {
            var input = x.Required(0, "HardSwish");
            return Ops.Multiply(input, Ops.HardSigmoid(input));
        }));
        add("ThresholdedRelu", 10, node =>
        {
            float alpha = node.Attributes.Float("alpha", 1f);
            return One(x =>
            {
                var input = x.Required(0, "ThresholdedRelu");
                return Ops.Multiply(input, Ops.Greater(input, alpha));
            });
        });
        add("PRelu", 1, node =>
        {
            // Before opset 7 a slope of one value per channel applies along axis 1 (later: NumPy's broadcasting).
            bool perChannel = node.Opset < 7;
            return One(x =>
            {
                var input = x.Required(0, "PRelu");
                var slope = x.Required(1, "PRelu");
                if (perChannel && slope.Rank == 1 && slope.Size > 1 && input.Rank > 2 && slope.Size == input.Shape[1])
                    slope = Ops.Reshape(slope, [slope.Size, .. Enumerable.Repeat(1, input.Rank - 2)]);
                return Ops.Where(Ops.Less(input, 0f), Ops.Multiply(input, slope), input);
            });
        });
        Softmax(add, "Softmax", Ops.Softmax);
        Softmax(add, "LogSoftmax", Ops.LogSoftmax);
    }

    private static void Softmax(Action<string, int, OnnxConverter> add, string op, Func<Tensor, int, Tensor> f)
    {
        // Before opset 13 the input is seen as a matrix: the axes before 'axis' are rows, the rest one row.
        add(op, 1, node =>
        {
            long axis = node.Attributes.Int("axis", 1);
            return One(x =>
            {
                var input = x.Required(0, op);
                int a = OnnxValues.Axis(axis, Math.Max(input.Rank, 1), op);
                int rows = 1;
                for (int d = 0; d < a; d++) rows *= input.Shape[d];
                var matrix = Ops.Reshape(input, rows, input.Size / Math.Max(rows, 1));
                return Ops.Reshape(f(matrix, -1), input.Shape);
            });
        });
        add(op, 13, node =>
        {
            long axis = node.Attributes.Int("axis", -1);
            return One(x =>
            {
                var input = x.Required(0, op);
                return f(input, OnnxValues.Axis(axis, input.Rank, op));
            });
        });
    }
}
