using static DeepSharp.Tests.Interop.Onnx.OnnxModels;

namespace DeepSharp.Tests.Interop.Onnx;

/// <summary>Graphs that are not a chain: several inputs and outputs, inputs nothing needs, an input passed through.</summary>
public class OnnxGraphImportTests
{
    [Fact]
    public void A_graph_with_two_inputs_and_two_outputs_is_a_functional_model_with_both()
    {
        var bytes = Model(
            [
                Node("Add", "sum", ["a", "b"], ["s"]),
                Node("Relu", "relu", ["s"], ["positive"]),
                Node("Mul", "product", ["a", "b"], ["p"]),
                Node("Sigmoid", "gate", ["p"], ["gated"]),
            ],
            [], [Value("a", "N", 3), Value("b", "N", 3), Value("unused", "N", 2)], [Value("positive", "N", 3), Value("gated", "N", 3)]);
        var model = DeepSharp.Onnx.Import(bytes, "two.onnx");
        Assert.Equal(2, model.Inputs.Count); // 'unused' feeds nothing, so the model does not take it
        Assert.Equal(2, model.Outputs.Count);
        var a = Tensor.FromArray([1f, -2f, 3f, 0.5f, 0.5f, -1f], 2, 3);
        var b = Tensor.FromArray([-3f, 1f, 1f, 0.5f, -2f, 2f], 2, 3);
        var outputs = model.Predict([a, b]);
        Assert.Equal([0f, 0f, 4f, 1f, 0f, 1f], outputs[0].ToArray());
        var expected = a.ToArray().Zip(b.ToArray(), (x, y) => 1f / (1f + MathF.Exp(-x * y))).ToArray();
        Assert.Equal(expected, outputs[1].ToArray(), (x, y) => MathF.Abs(x - y) < 1e-6f);
    }

    [Fact]
    public void An_output_that_is_an_input_passed_through_Identity_is_the_input()
    {
        var bytes = Model([Node("Identity", "same", ["x"], ["y"]), Node("Neg", "negate", ["x"], ["z"])],
            [], [Value("x", "N", 2)], [Value("y", "N", 2), Value("z", "N", 2)]);
        var model = DeepSharp.Onnx.Import(bytes, "identity.onnx");
        var x = Tensor.FromArray([1f, 2f, 3f, 4f], 2, 2);
        var outputs = model.Predict([x]);
        Assert.Equal(x.ToArray(), outputs[0].ToArray());
        Assert.Equal([-1f, -2f, -3f, -4f], outputs[1].ToArray());
    }
}
