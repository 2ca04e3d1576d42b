using DeepSharp.Examples;
using DeepSharp.Interop.Onnx.Proto;

namespace DeepSharp.Tests.Interop.Onnx;

/// <summary>
/// What an exported ONNX file holds (its interface, opset and transposes), what it refuses, and that DeepSharp
/// reads its own files back. ONNX Runtime runs them in tests/DeepSharp.Interop.Tests.
/// </summary>
public class OnnxExportTests
{
    private static ModelProto Proto(Model model, OnnxExportOptions? options = null) => ModelProto.Parser.ParseFrom(DeepSharp.Onnx.Export(model, options));

    private static int Count(ModelProto proto, string op) => proto.Graph.Node.Count(n => n.OpType == op);

    [Fact]
    public void The_file_declares_opset_17_a_dynamic_batch_and_names_from_the_model()
    {
        var model = SeedModels.Mlp();
        var proto = Proto(model);
        Assert.Equal(17, proto.OpsetImport.Single(o => o.Domain == "").Version);
        Assert.Equal(8, proto.IrVersion);
        Assert.Equal("DeepSharp", proto.ProducerName);
        var input = Assert.Single(proto.Graph.Input);
        Assert.Equal("input", input.Name);
        var dims = input.Type.TensorType.Shape.Dim;
        Assert.Equal("batch", dims[0].DimParam);
        Assert.Equal([28L, 28L], dims.Skip(1).Select(d => d.DimValue));
        var output = Assert.Single(proto.Graph.Output);
        Assert.Equal(model.Layers[^1].Name, output.Name);
        Assert.Equal((int)TensorProto.Types.DataType.Float, output.Type.TensorType.ElemType);
        Assert.Equal([10L], output.Type.TensorType.Shape.Dim.Skip(1).Select(d => d.DimValue));
        Assert.Contains(proto.Graph.Node, n => n.Output.Contains(output.Name));
        Assert.Equal(0, Count(proto, "Dropout")); // inference: dropped
    }

    [Fact]
    public void Inputs_and_outputs_are_named_after_the_Input_layers_and_the_layers_that_compute_them()
    {
        var a = new Input([3], name: "features");
        var b = new Input([2], name: "extra");
        var joined = new Concatenate().Call([a, b]);
        var model = new Model([a, b], [new Dense(2, name: "logits").Call(joined), new Dense(1, name: "value").Call(joined)]);
        var proto = Proto(model, new OnnxExportOptions { BatchDimension = "N" });
        Assert.Equal(["features", "extra"], proto.Graph.Input.Select(i => i.Name));
        Assert.Equal(["logits", "value"], proto.Graph.Output.Select(o => o.Name));
        Assert.All(proto.Graph.Input, i => Assert.Equal("N", i.Type.TensorType.Shape.Dim[0].DimParam));
    }

    [Fact]
    public void A_convolution_stack_runs_channels_first_between_one_transpose_in_and_one_before_Flatten()
    {
        var proto = Proto(SeedModels.Cnn(10, batchNorm: true));
        Assert.Equal(2, Count(proto, "Transpose"));
        var transposes = proto.Graph.Node.Where(n => n.OpType == "Transpose").Select(n => n.Attribute.Single().Ints.ToArray()).ToList();
        Assert.Equal([0L, 3, 1, 2], transposes[0]); // NHWC in → NCHW
        Assert.Equal([0L, 2, 3, 1], transposes[1]); // NCHW → NHWC for Flatten's h, w, c order
        Assert.Equal(2, Count(proto, "Conv"));
        Assert.Equal(3, Count(proto, "BatchNormalization")); // on NCHW images and on the Dense's vectors: channels on axis 1
    }

    [Fact]
    public void Stacked_recurrent_layers_pass_the_sequence_time_major_without_transposes_between_them()
    {
        var proto = Proto(SeedModels.RowLstm());
        Assert.Equal(1, Count(proto, "Transpose")); // batch-major in → time-major
        Assert.Equal(2, Count(proto, "LSTM"));
        Assert.All(proto.Graph.Node.Where(n => n.OpType == "LSTM"), n => Assert.DoesNotContain(n.Attribute, a => a.Name == "layout"));
        var gru = Proto(SeedModels.RowLstm(gru: true)).Graph.Node.First(n => n.OpType == "GRU");
        Assert.Equal(1, gru.Attribute.Single(a => a.Name == "linear_before_reset").I); // Keras' reset_after=True
    }

    [Fact]
    public void A_layer_called_twice_stores_its_weights_once()
    {
        var x = new Input([4]);
        var shared = new Dense(4);
        var model = new Model(x, shared.Call(shared.Call(x)));
        Assert.Equal(2, Proto(model).Graph.Initializer.Count);
    }

    [Fact]
    public void Every_layer_with_no_ONNX_form_is_listed_at_once_by_name()
    {
        var model = new Sequential(
            new Embedding(10, 4, maskZero: true, inputShape: [5]),
            new LSTM(3, returnSequences: true),
            new Doubling(name: "doubling"),
            new Dense(2, activation: new ActivationFunction("cube", x => x * x * x)));
        var e = Assert.Throws<OnnxExportException>(() => DeepSharp.Onnx.Export(model));
        Assert.Equal(["lstm", "doubling", "dense"], e.Layers.Select(l => l.LayerName.Split('_')[0]));
        Assert.Contains("masked by 'embedding", e.Layers[0].Reason, StringComparison.Ordinal);
        Assert.Equal("Doubling", e.Layers[1].ClassName);
        Assert.Contains("'cube'", e.Layers[2].Reason, StringComparison.Ordinal);
        Assert.Contains("Doubling 'doubling'", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_subclassed_model_an_unbuilt_model_and_an_unknown_opset_are_refused()
    {
        Assert.Throws<OnnxExportException>(() => DeepSharp.Onnx.Export(new TwoDense()));
        var unbuilt = Assert.Throws<InvalidOperationException>(() => DeepSharp.Onnx.Export(new Sequential(new Dense(3))));
        Assert.Contains("not built", unbuilt.Message, StringComparison.Ordinal);
        var opset = Assert.Throws<ArgumentOutOfRangeException>(() => DeepSharp.Onnx.Export(SeedModels.Mlp(), new OnnxExportOptions { Opset = 12 }));
        Assert.Contains("13 to 21", opset.Message, StringComparison.Ordinal);
    }

    public static TheoryData<string> SeedModelNames => ["mlp", "cnn", "lstm", "gru", "dcgan"];

    [Theory]
    [MemberData(nameof(SeedModelNames))]
    public void DeepSharp_reads_its_own_ONNX_files_back_with_the_same_outputs(string name)
    {
        RandomGenerator.SetSeed(5);
        Model model = name switch
        {
            "mlp" => SeedModels.Mlp(),
            "cnn" => SeedModels.Cnn(10, batchNorm: true),
            "lstm" => SeedModels.RowLstm(),
            "gru" => SeedModels.RowLstm(gru: true),
            _ => GanModels.DcganGenerator(),
        };
        var path = Path.Combine(Path.GetTempPath(), $"deepsharp-{Guid.NewGuid():N}.onnx");
        try
        {
            model.SaveOnnx(path);
            var imported = Model.LoadOnnx(path);
            var x = Tensor.RandomUniform(new TensorShape([3, .. model.InputShape!.Value.Dims]), -1f, 1f, new RandomGenerator(2));
            float difference = PyTorchImportTests.MaxDifference(imported.Predict(x), model.Predict(x));
            Assert.True(difference <= 1e-5f, $"{name}: max |difference| {difference}");
        }
        finally
        {
            File.Delete(path);
        }
    }

    /// <summary>A layer DeepSharp has no ONNX form for.</summary>
    private sealed class Doubling(string name) : Layer(name)
    {
        public override TensorShape ComputeOutputShape(TensorShape inputShape) => inputShape;

        protected override Tensor Forward(Tensor inputs, bool training) => inputs * 2f;
    }

    /// <summary>A model that computes in its own Forward.</summary>
    private sealed class TwoDense : Model
    {
        private readonly Dense _first = new(3), _second = new(2);

        public TwoDense() => EnsureBuilt([4]);

        public override IReadOnlyList<Layer> Layers => [_first, _second];

        public override TensorShape ComputeOutputShape(TensorShape inputShape) => [2];

        protected override Tensor Forward(Tensor inputs, bool training) => _second.Call(_first.Call(inputs, training), training);
    }
}
