using DeepSharp.Tests.Ops;
using DeepSharp.Tests.TestSupport;

namespace DeepSharp.Tests.Layers;

public class MultiHeadAttentionTests
{
    public static TheoryData<string, string> Cases => AttentionFixture.Cases("multi_head_attention");

    [Theory]
    [MemberData(nameof(Cases))]
    public void Matches_torch_multihead_attention_forward_and_backward(string file, string name)
    {
        var f = PyTorchFixture.Load(file, name);
        bool useBias = f.Bool("use_bias", true);
        var layer = new MultiHeadAttention((int)f.Float("num_heads", 0), (int)f.Float("key_dim", 0), useBias: useBias);
        if (useBias)
            AttentionFixture.Check(f, layer, [0, 1, 2],
                () => [layer.QueryKernel, layer.QueryBias!, layer.KeyKernel, layer.KeyBias!, layer.ValueKernel, layer.ValueBias!, layer.OutputKernel, layer.OutputBias!],
                [3, 4, 5, 6, 7, 8, 9, 10]);
        else
            AttentionFixture.Check(f, layer, [0, 0], () => [layer.QueryKernel, layer.KeyKernel, layer.ValueKernel, layer.OutputKernel], [1, 2, 3, 4]);
    }

    [Fact]
    public void Gradient_checks()
    {
        var q = OpAssert.Random(1, -1f, 1f, 2, 3, 4);
        var v = OpAssert.Random(2, -1f, 1f, 2, 2, 3);
        var layer = new MultiHeadAttention(numHeads: 2, keyDim: 2, valueDim: 3, outputShape: 5, biasInitializer: new RandomNormal(seed: 8));
        layer.Call([q, v]);
        OpAssert.GradientChecks(t => layer.Call([t[0], t[1]]), q, v);
        OpAssert.GradientChecks(_ => layer.Call([q, v]), layer.QueryKernel, layer.KeyBias!, layer.ValueKernel, layer.OutputKernel, layer.OutputBias!);
    }

    /// <summary>Output and every gradient of self-attention (query = value = key), fused or on the general path.</summary>
    private static float[][] SelfAttentionRun(bool fused, bool useBias, bool causal)
    {
        bool saved = MultiHeadAttention.SelfAttentionFused;
        MultiHeadAttention.SelfAttentionFused = fused;
        try
        {
            var x = OpAssert.Random(5, -1f, 1f, 3, 7, 10);
            var layer = new MultiHeadAttention(numHeads: 3, keyDim: 4, outputShape: 6, useBias: useBias, biasInitializer: new RandomNormal(seed: 9),
                kernelInitializer: new GlorotUniform(seed: 4));
            var y = layer.Call([x, x], useCausalMask: causal);
            DeepSharp.Ops.Sum(DeepSharp.Ops.Multiply(y, OpAssert.Random(6, -1f, 1f, 3, 7, 6))).Backward();
            var results = new List<float[]> { y.ToArray(), x.Grad!.ToArray() };
            results.AddRange(layer.TrainableWeights.Select(w => w.Grad!.ToArray()));
            return [.. results];
        }
        finally
        {
            MultiHeadAttention.SelfAttentionFused = saved;
        }
    }

    [Theory]
    [InlineData(true, false)]
    [InlineData(false, true)]
    public void Self_attention_fused_matches_the_general_path(bool useBias, bool causal)
    {
        var general = SelfAttentionRun(false, useBias, causal);
        var fused = SelfAttentionRun(true, useBias, causal);
        Assert.Equal(general.Length, fused.Length);
        // The input's gradient sums the three projections' in one product rather than three: rounding differs there.
        for (int r = 0; r < general.Length; r++) OpAssert.Close(general[r], fused[r], relative: 1e-5, absolute: 1e-6);
    }

    [Fact]
    public void Weights_have_keras_layouts_and_shapes_follow_the_arguments()
    {
        var layer = new MultiHeadAttention(numHeads: 3, keyDim: 4, valueDim: 5, outputShape: 7);
        var y = layer.Call([Tensor.Ones(2, 6, 8), Tensor.Ones(2, 9, 10), Tensor.Ones(2, 9, 11)]);
        Assert.Equal(new TensorShape(2, 6, 7), y.Shape);
        Assert.Equal(new TensorShape(8, 3, 4), layer.QueryKernel.Shape);
        Assert.Equal(new TensorShape(11, 3, 4), layer.KeyKernel.Shape);
        Assert.Equal(new TensorShape(10, 3, 5), layer.ValueKernel.Shape);
        Assert.Equal(new TensorShape(3, 5, 7), layer.OutputKernel.Shape);
        Assert.Equal(new TensorShape(3, 5), layer.ValueBias!.Shape);
        Assert.Equal(new TensorShape(7), layer.OutputBias!.Shape);
        Assert.Equal(8, layer.Weights.Count);
        var noBias = new MultiHeadAttention(2, 3, useBias: false);
        noBias.Call([Tensor.Ones(1, 2, 4), Tensor.Ones(1, 2, 4)]);
        Assert.Equal(4, noBias.Weights.Count);
    }

    [Fact]
    public void A_vit_style_block_trains_in_a_functional_model()
    {
        var input = new Input([6, 8]);
        var normed = new LayerNormalization().Call(input);
        var attended = new Add().Call([input, new MultiHeadAttention(numHeads: 2, keyDim: 4, dropout: 0.1, seed: 1).Call([normed, normed])]);
        var output = new Dense(3, activation: "softmax").Call(new Flatten().Call(attended));
        var model = new Model([input], [output]);
        model.Compile(optimizer: new Adam(learningRate: 1e-2f), loss: "sparse_categorical_crossentropy");
        var x = Tensor.RandomNormal([32, 6, 8], generator: new RandomGenerator(3));
        var labels = Tensor.FromArray(Enumerable.Range(0, 32).Select(i => (float)(i % 3)).ToArray(), 32);
        var history = model.Fit(x, labels, epochs: 15, batchSize: 8, verbose: 0);
        Assert.True(history["loss"][^1] < history["loss"][0] * 0.7,
            $"loss went from {history["loss"][0]} to {history["loss"][^1]}");
        var path = Path.Combine(Path.GetTempPath(), $"deepsharp-vit-block-{Guid.NewGuid():N}.dsm");
        try
        {
            model.Save(path);
            Assert.Equal(model.Predict(x).ToArray(), Model.Load(path).Predict(x).ToArray());
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Bad_arguments_and_inputs_are_refused_naming_layer_and_values()
    {
        Assert.Contains("got 0", Assert.Throws<ArgumentOutOfRangeException>(() => new MultiHeadAttention(0, 4)).Message);
        Assert.Contains("keyDim", Assert.Throws<ArgumentOutOfRangeException>(() => new MultiHeadAttention(2, -1)).Message);
        Assert.Contains("valueDim", Assert.Throws<ArgumentOutOfRangeException>(() => new MultiHeadAttention(2, 4, valueDim: 0)).Message);
        Assert.Contains("outputShape", Assert.Throws<ArgumentOutOfRangeException>(() => new MultiHeadAttention(2, 4, outputShape: 0)).Message);
        Assert.Contains("dropout", Assert.Throws<ArgumentOutOfRangeException>(() => new MultiHeadAttention(2, 4, dropout: 1.5)).Message);
        Assert.Contains("[1, 2]", Assert.Throws<ArgumentException>(() => new MultiHeadAttention(2, 4, attentionAxes: [1, 2])).Message);
        var layer = new MultiHeadAttention(2, 4, name: "mha");
        var e = Assert.Throws<ArgumentException>(() => layer.Call([Tensor.Ones(2, 3, 4, 5), Tensor.Ones(2, 3, 4, 5)]));
        Assert.Contains("'mha'", e.Message);
        Assert.Contains("(batch, steps, features)", e.Message);
        e = Assert.Throws<ArgumentException>(() => layer.Call([Tensor.Ones(2, 3, 4), Tensor.Ones(2, 5, 4), Tensor.Ones(2, 6, 4)]));
        Assert.Contains("same number of steps", e.Message);
        layer.Call([Tensor.Ones(2, 3, 4), Tensor.Ones(2, 5, 4)]);
        e = Assert.Throws<ArgumentException>(() => layer.Call([Tensor.Ones(2, 3, 6), Tensor.Ones(2, 5, 4)]));
        Assert.Contains("built for query, key and value of 4, 4 and 4 features", e.Message);
    }

    [Fact]
    public void Configuration_round_trips()
    {
        var copy = LayerRoundTrip.Of(new MultiHeadAttention(3, 4, valueDim: 5, dropout: 0.2, useBias: false, outputShape: 7,
            kernelRegularizer: new L2(0.01f), seed: 6));
        Assert.Equal(3, copy.NumHeads);
        Assert.Equal(4, copy.KeyDim);
        Assert.Equal(5, copy.ValueDim);
        Assert.Equal(0.2, copy.Dropout);
        Assert.False(copy.UseBias);
        Assert.Equal(7, copy.OutputShape);
        Assert.IsType<L2>(copy.KernelRegularizer);
        Assert.Null(LayerRoundTrip.Of(new MultiHeadAttention(2, 4)).OutputShape);
    }
}
