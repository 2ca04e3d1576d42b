namespace DeepSharp.Interop.Onnx;

// Matrix products: MatMul with NumPy's rules, Gemm = alpha·A'·B' + beta·C with optional transposes.
internal static partial class OnnxOperators
{
    private static void AddLinearAlgebra(Action<string, int, OnnxConverter> add)
    {
        add("MatMul", 1, node => One(x => Ops.MatMul(x.Required(0, "MatMul"), x.Required(1, "MatMul"))));
        add("Gemm", 1, node =>
        {
            float alpha = node.Attributes.Float("alpha", 1f), beta = node.Attributes.Float("beta", 1f);
            bool transA = node.Attributes.Int("transA", 0) != 0, transB = node.Attributes.Int("transB", 0) != 0;
            node.Require(node.Attributes.Int("broadcast", 1) != 0 || node.Opset >= 7, "Gemm without broadcasting (opset < 7, broadcast=0) is not supported");
            return One(x =>
            {
                var a = x.Required(0, "Gemm");
                var b = x.Required(1, "Gemm");
                if (a.Rank != 2 || b.Rank != 2)
                    throw new ArgumentException($"Gemm: A and B must be matrices; got shapes {a.Shape} and {b.Shape}.");
                var y = Ops.MatMul(transA ? Ops.Transpose(a) : a, transB ? Ops.Transpose(b) : b);
                if (alpha != 1f) y = Ops.Multiply(y, alpha);
                if (x.Optional(2) is { } c && beta != 0f) y = Ops.Add(y, beta == 1f ? c : Ops.Multiply(c, beta));
                return y;
            });
        });
    }
}
