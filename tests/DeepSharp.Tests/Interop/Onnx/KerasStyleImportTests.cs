using static DeepSharp.Tests.Interop.Onnx.OnnxModels;

namespace DeepSharp.Tests.Interop.Onnx;

/// <summary>
/// Graphs in the shape Keras' exporters (tf2onnx) write: NHWC inputs transposed to NCHW around each convolution,
/// Flatten as a Reshape, Dense as MatMul + Add, recurrent layers with Keras' one bias in ONNX's input bias and
/// the last state taken from Y_h. They import as the Keras model they came from (no transposes left), checked
/// against that model built directly in DeepSharp with the same weights.
/// </summary>
public class KerasStyleImportTests
{
    private static float[] Values(Tensor t) => t.ToArray();

    [Fact]
    public void A_channels_last_convolution_graph_imports_without_transposes()
    {
        RandomGenerator.SetSeed(21);
        var reference = new Sequential(
            new Conv2D(4, 3, padding: "same", activation: "relu", inputShape: [8, 8, 3]),
            new Flatten(),
            new Dense(5, activation: "softmax"));
        var x = Tensor.RandomUniform([6, 8, 8, 3], generator: new RandomGenerator(3));
        var expected = reference.Predict(x);
        var conv = (Conv2D)reference.Layers[0];
        var dense = (Dense)reference.Layers[2];
        // ONNX wants OIHW; Keras keeps HWIO.
        var oihw = DeepSharp.Ops.Permute(conv.Kernel, 3, 2, 0, 1).Contiguous();
        var bytes = Model(
            [
                Node("Transpose", "to_nchw", ["x"], ["xt"], Ints("perm", 0, 3, 1, 2)),
                Node("Conv", "conv", ["xt", "w", "b"], ["c"], Ints("kernel_shape", 3, 3), String("auto_pad", "SAME_UPPER")),
                Node("Relu", "relu", ["c"], ["r"]),
                Node("Transpose", "to_nhwc", ["r"], ["rt"], Ints("perm", 0, 2, 3, 1)),
                Node("Reshape", "flatten", ["rt", "shape"], ["f"]),
                Node("MatMul", "dense", ["f", "k"], ["m"]),
                Node("Add", "bias", ["m", "d"], ["z"]),
                Node("Softmax", "softmax", ["z"], ["y"], Int("axis", -1)),
            ],
            [
                Floats("w", Values(oihw), 4, 3, 3, 3), Floats("b", Values(conv.Bias!), 4), Longs("shape", [-1, 256], 2),
                Floats("k", Values(dense.Kernel), 256, 5), Floats("d", Values(dense.Bias!), 5),
            ],
            [Value("x", "N", 8, 8, 3)], [Value("y", "N", 5)]);
        var model = DeepSharp.Onnx.Import(bytes, "keras_cnn.onnx");
        Assert.Equal("InputLayer Conv2D Flatten Dense", string.Join(" ", model.Layers.Select(l => l.ClassName)));
        Assert.Equal(new TensorShape(8, 8, 3), model.Inputs[0].Shape);
        Assert.True(PyTorchImportTests.MaxDifference(model.Predict(x), expected) <= 1e-6f);
    }

    [Fact]
    public void An_LSTM_with_Keras_gate_order_and_one_bias_imports_as_the_LSTM_layer()
    {
        RandomGenerator.SetSeed(22);
        const int units = 5, features = 3, steps = 4;
        var reference = new Sequential(new LSTM(units, inputShape: [steps, features]), new Dense(2));
        var x = Tensor.RandomUniform([7, steps, features], generator: new RandomGenerator(4));
        var lstm = (LSTM)reference.Layers[0];
        var dense = (Dense)reference.Layers[1];
        using (DeepSharp.Autograd.NoGrad())
            lstm.Bias!.CopyFrom(Tensor.RandomUniform([4 * units], -0.5f, 0.5f, new RandomGenerator(5)).ToArray());
        var expected = reference.Predict(x);
        int[] kerasGate = [0, 3, 1, 2]; // ONNX's i, o, f, c are Keras' blocks 0, 3, 1, 2
        float[] Onnx(Tensor kernel, int inputs)
        {
            var k = kernel.ToArray();
            var w = new float[k.Length];
            for (int g = 0; g < 4; g++)
                for (int u = 0; u < units; u++)
                    for (int f = 0; f < inputs; f++)
                        w[(g * units + u) * inputs + f] = k[f * 4 * units + kerasGate[g] * units + u];
            return w;
        }
        var kerasBias = lstm.Bias!.ToArray();
        var bias = new float[8 * units]; // Keras' bias as ONNX's input bias, the recurrent bias zero
        for (int g = 0; g < 4; g++) Array.Copy(kerasBias, kerasGate[g] * units, bias, g * units, units);
        var bytes = Model(
            [
                Node("Transpose", "time_major", ["x"], ["xt"], Ints("perm", 1, 0, 2)),
                Node("LSTM", "lstm", ["xt", "W", "R", "B"], ["", "h"], Int("hidden_size", units)),
                Node("Squeeze", "last", ["h", "axis0"], ["hs"]),
                Node("MatMul", "dense", ["hs", "k"], ["m"]),
                Node("Add", "bias", ["m", "d"], ["y"]),
            ],
            [
                Floats("W", Onnx(lstm.Kernel, features), 1, 4 * units, features), Floats("R", Onnx(lstm.RecurrentKernel, units), 1, 4 * units, units),
                Floats("B", bias, 1, 8 * units), Longs("axis0", [0], 1), Floats("k", Values(dense.Kernel), units, 2), Floats("d", Values(dense.Bias!), 2),
            ],
            [Value("x", "N", steps, features)], [Value("y", "N", 2)]);
        var model = DeepSharp.Onnx.Import(bytes, "keras_lstm.onnx");
        Assert.Equal("InputLayer LSTM Dense", string.Join(" ", model.Layers.Select(l => l.ClassName)));
        Assert.False(((LSTM)model.Layers[1]).ReturnSequences);
        Assert.True(PyTorchImportTests.MaxDifference(model.Predict(x), expected) <= 1e-5f);
    }
}
