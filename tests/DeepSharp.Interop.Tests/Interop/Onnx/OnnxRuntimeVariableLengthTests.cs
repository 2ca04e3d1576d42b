using Xunit.Abstractions;

namespace DeepSharp.Interop.Tests.Interop.Onnx;

/// <summary>
/// Models declared on sequences of unknown length (Keras' None) export with that axis dynamic: ONNX Runtime runs the
/// one file on every length and gives DeepSharp's Predict.
/// </summary>
public class OnnxRuntimeVariableLengthTests(ITestOutputHelper output)
{
    public static TheoryData<string> Models => ["lstm", "stacked-gru", "bidirectional", "functional"];

    private static Model Create(string name)
    {
        RandomGenerator.SetSeed(21);
        switch (name)
        {
            case "lstm":
                return new Sequential(new LSTM(8, inputShape: [null, 3]), new Dense(2, activation: "softmax"));
            case "stacked-gru":
                return new Sequential(new GRU(6, returnSequences: true, inputShape: [null, 3]), new GRU(5), new Dense(2));
            case "bidirectional":
                return new Sequential(new Bidirectional(new LSTM(4, returnSequences: true), inputShape: [null, 3]), new LSTM(3), new Dense(2));
            default:
                var inputs = new Input([null, 3]);
                var sequence = new LSTM(6, returnSequences: true).Call(inputs);
                var merged = new Add().Call([new Dense(5).Call(sequence), new Dense(5, activation: "tanh").Call(sequence)]);
                return new Model(inputs, new Dense(2).Call(new GRU(4).Call(merged)));
        }
    }

    [Theory]
    [MemberData(nameof(Models))]
    public void One_export_runs_every_sequence_length_in_ONNX_Runtime(string name)
    {
        var model = Create(name);
        var bytes = DeepSharp.Onnx.Export(model);
        foreach (int steps in new[] { 8, 13, 30 })
        {
            var x = Tensor.RandomUniform([4, steps, 3], -1f, 1f, new RandomGenerator(steps));
            var expected = model.Predict(x);
            var actual = OnnxRuntimeRunner.Run(bytes, x)[0];
            float difference = OnnxRuntimeRunner.MaxDifference(actual, expected);
            output.WriteLine($"{name}, {steps} steps: max |difference| {difference:E2}");
            Assert.True(difference <= 1e-5f, $"{name}, {steps} steps: max |difference| {difference}");
        }
    }

    [Fact]
    public void The_unknown_axis_is_a_named_dimension_of_the_graph_input()
    {
        var proto = DeepSharp.Interop.Onnx.Proto.ModelProto.Parser.ParseFrom(DeepSharp.Onnx.Export(Create("lstm")));
        var dims = proto.Graph.Input[0].Type.TensorType.Shape.Dim;
        Assert.Equal(3, dims.Count);
        Assert.False(string.IsNullOrEmpty(dims[0].DimParam));
        Assert.False(string.IsNullOrEmpty(dims[1].DimParam));
        Assert.Equal(3, dims[2].DimValue);
    }

    [Fact]
    public void A_layer_whose_ONNX_form_fixes_the_unknown_length_is_refused_by_name()
    {
        var model = new Sequential(new TimeDistributed(new Dense(2), name: "per_step", inputShape: [null, 3]), new LSTM(2));
        var e = Assert.Throws<OnnxExportException>(() => DeepSharp.Onnx.Export(model));
        Assert.Contains("per_step", e.Message);
        Assert.Contains("unknown (None)", e.Message);
    }
}
