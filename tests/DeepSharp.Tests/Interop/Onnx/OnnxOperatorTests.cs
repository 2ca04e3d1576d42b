using DeepSharp.Interop.Onnx;
using DataType = DeepSharp.Interop.Onnx.Proto.TensorProto.Types.DataType;

namespace DeepSharp.Tests.Interop.Onnx;

/// <summary>
/// The converters that compose ONNX ops from DeepSharp's Ops (where DeepSharp has no kernel of its own) are
/// differentiable: finite differences agree with their gradients. Their values are checked by ONNX's node tests.
/// </summary>
public class OnnxOperatorTests
{
    private static OnnxKernel Kernel(string op, int opset, int inputs, int outputs = 1, bool channelsLast = false, params (string Name, object Value)[] attributes)
    {
        var a = OnnxAttributes.Empty;
        foreach (var (name, value) in attributes) a = a.With(name, value);
        var converter = OnnxOperators.Find(op, opset) ?? throw new InvalidOperationException($"no converter for {op}");
        return converter(new OnnxNodeContext
        {
            Name = op, OpType = op, Opset = opset, Attributes = a, ChannelsLast = channelsLast,
            InputTypes = Enumerable.Repeat(DataType.Float, inputs).ToArray(), OutputTypes = Enumerable.Repeat(DataType.Float, outputs).ToArray(),
        });
    }

    private static Tensor Random(int seed, params int[] shape) =>
        Tensor.RandomUniform(new TensorShape(shape), -1f, 1f, new RandomGenerator(seed)).WithRequiresGrad();

    private static void AssertGradients(OnnxKernel kernel, params Tensor[] inputs)
    {
        var result = GradientChecker.Check(t => kernel(t.Cast<Tensor?>().ToArray())[0], inputs);
        Assert.True(result.Passed, result.ToString());
    }

    [Fact]
    public void Erf_matches_its_values_and_its_derivative()
    {
        var x = Tensor.FromArray([0f, 0.1f, 0.5f, 1f, -2f, 3f, -0.3f]);
        var y = OnnxMath.Erf(x).ToArray();
        float[] expected = [0f, 0.1124629160f, 0.5204998778f, 0.8427007929f, -0.9953222650f, 0.9999779095f, -0.3286267595f];
        for (int i = 0; i < y.Length; i++) Assert.Equal(expected[i], y[i], 3e-7f);
        AssertGradients(Kernel("Erf", 13, 1), Tensor.FromArray([-1.7f, -0.8f, -0.2f, 0.05f, 0.3f, 0.9f, 2.1f]).WithRequiresGrad());
    }

    [Fact]
    public void Average_pooling_with_pads_ceil_mode_and_uncounted_padding_is_differentiable() =>
        AssertGradients(Kernel("AveragePool", 11, 1, attributes: [("kernel_shape", new long[] { 3, 3 }), ("strides", new long[] { 2, 2 }),
            ("pads", new long[] { 1, 0, 1, 1 }), ("ceil_mode", 1L), ("count_include_pad", 0L)]), Random(1, 2, 2, 6, 5));

    [Fact]
    public void Dilated_max_pooling_over_one_and_three_axes_is_differentiable()
    {
        AssertGradients(Kernel("MaxPool", 12, 1, attributes: [("kernel_shape", new long[] { 2 }), ("dilations", new long[] { 2 }), ("pads", new long[] { 1, 1 })]),
            Random(2, 2, 3, 7));
        AssertGradients(Kernel("MaxPool", 12, 1, attributes: [("kernel_shape", new long[] { 2, 2, 2 }), ("strides", new long[] { 1, 2, 1 })]),
            Random(3, 1, 2, 3, 4, 3));
    }

    [Fact]
    public void Grouped_dilated_one_dimensional_convolution_is_differentiable() =>
        AssertGradients(Kernel("Conv", 11, 3, attributes: [("group", 2L), ("dilations", new long[] { 2 }), ("pads", new long[] { 2, 1 }), ("strides", new long[] { 2 })]),
            Random(4, 2, 4, 9), Random(5, 6, 2, 3), Random(6, 6));

    [Fact]
    public void Three_dimensional_convolution_is_differentiable() =>
        AssertGradients(Kernel("Conv", 11, 3, attributes: [("pads", new long[] { 1, 0, 1, 1, 0, 0 }), ("strides", new long[] { 2, 1, 1 })]),
            Random(7, 1, 2, 4, 3, 4), Random(8, 3, 2, 2, 2, 3), Random(9, 3));

    [Fact]
    public void Grouped_transposed_convolution_with_pads_and_output_padding_is_differentiable() =>
        AssertGradients(Kernel("ConvTranspose", 11, 3, attributes: [("group", 2L), ("strides", new long[] { 2, 2 }), ("pads", new long[] { 1, 0, 0, 1 }),
            ("output_padding", new long[] { 1, 0 })]), Random(10, 1, 4, 3, 3), Random(11, 4, 1, 3, 2), Random(12, 2));

    [Fact]
    public void Three_dimensional_transposed_convolution_is_differentiable() =>
        AssertGradients(Kernel("ConvTranspose", 11, 3, attributes: [("strides", new long[] { 2, 1, 2 }), ("pads", new long[] { 0, 1, 0, 1, 0, 0 })]),
            Random(31, 1, 2, 2, 3, 2), Random(32, 2, 2, 2, 2, 2), Random(33, 2));

    [Fact]
    public void Grouped_convolution_on_channels_last_images_equals_the_channels_first_one()
    {
        var x = Random(13, 2, 4, 5, 5);
        var w = Random(14, 6, 2, 3, 3);
        (string, object)[] attributes = [("group", 2L), ("pads", new long[] { 1, 1, 1, 1 })];
        var first = Kernel("Conv", 11, 2, attributes: attributes)([x, w])[0];
        var last = Kernel("Conv", 11, 2, channelsLast: true, attributes: attributes)([DeepSharp.Ops.Permute(x, 0, 2, 3, 1), w])[0];
        Assert.Equal(DeepSharp.Ops.Permute(first, 0, 2, 3, 1).Contiguous().ToArray(), last.Contiguous().ToArray());
    }

    [Fact]
    public void A_GRU_with_the_reset_gate_before_the_product_is_differentiable()
    {
        // Keras' reset_after=False, ONNX's default linear_before_reset=0: DeepSharp's GRU layer lacks it, this path has it.
        AssertGradients(Kernel("GRU", 14, 6, 2, attributes: [("hidden_size", 3L)]),
            Random(15, 4, 2, 2), Random(16, 1, 9, 2), Random(17, 1, 9, 3), Random(18, 1, 18));
    }

    [Fact]
    public void A_bidirectional_LSTM_with_peepholes_and_sequence_lengths_is_differentiable()
    {
        var lengths = Tensor.FromArray([3f, 2f]);
        AssertGradients(Kernel("LSTM", 14, 8, 3, attributes: [("hidden_size", 2L), ("direction", "bidirectional")]),
            Random(19, 3, 2, 2), Random(20, 2, 8, 2), Random(21, 2, 8, 2), Random(22, 2, 16), lengths, Random(23, 2, 2, 2), Random(24, 2, 2, 2), Random(25, 2, 6));
    }

    [Fact]
    public void Products_log_sum_exp_reflection_padding_and_backward_slices_are_differentiable()
    {
        AssertGradients(Kernel("ReduceProd", 13, 1, attributes: [("axes", new long[] { 1 }), ("keepdims", 0L)]), Random(26, 3, 4));
        AssertGradients(Kernel("ReduceLogSumExp", 13, 1, attributes: [("axes", new long[] { 0, 2 })]), Random(27, 2, 3, 2));
        var pads = Tensor.FromArray([1f, 2f, 2f, 1f]);
        AssertGradients(Kernel("Pad", 13, 2, attributes: [("mode", "reflect")]), Random(28, 3, 4), pads);
        AssertGradients(Kernel("Pad", 13, 2, attributes: [("mode", "edge")]), Random(29, 3, 4), pads);
        var starts = Tensor.FromArray([-1f]);
        var ends = Tensor.FromArray([-100f]);
        var axes = Tensor.FromArray([1f]);
        var steps = Tensor.FromArray([-2f]);
        AssertGradients(Kernel("Slice", 13, 5), Random(30, 2, 5), starts, ends, axes, steps);
    }

    [Fact]
    public void Instance_normalization_and_shrink_are_differentiable()
    {
        AssertGradients(Kernel("InstanceNormalization", 6, 3), Random(34, 2, 3, 4), Random(35, 3), Random(36, 3));
        AssertGradients(Kernel("Shrink", 9, 1, attributes: [("lambd", 0.3f), ("bias", 0.1f)]),
            Tensor.FromArray([-0.9f, -0.5f, -0.1f, 0.12f, 0.45f, 0.8f]).WithRequiresGrad());
    }

    [Fact]
    public void The_registry_takes_the_converter_of_the_models_opset()
    {
        // Squeeze's axes are an attribute until opset 13 and an input from it.
        var x = Tensor.Zeros(1, 3, 1);
        Assert.Equal(new TensorShape(3, 1), Kernel("Squeeze", 11, 1, attributes: [("axes", new long[] { 0 })])([x])[0].Shape);
        Assert.Equal(new TensorShape(1, 3), Kernel("Squeeze", 13, 2)([x, Tensor.FromArray([2f])])[0].Shape);
        Assert.Null(OnnxOperators.Find("Celu", 11)); // Celu exists from opset 12
        Assert.NotNull(OnnxOperators.Find("Celu", 12));
        Assert.Contains("LSTM", OnnxOperators.Supported);
    }
}
