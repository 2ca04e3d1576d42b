using System.Text.Json.Nodes;

namespace DeepSharp.Tests.Layers;

public class Pooling1DLayersTests
{
    [Fact]
    public void Max_and_average_pooling_over_steps_as_keras()
    {
        var x = Tensor.FromArray([1f, 5f, 2f, 4f, 3f, 6f, 0f, 8f, 7f, 9f], 1, 5, 2);
        var max = new MaxPooling1D();
        Assert.Equal(new[] { 2f, 5f, 3f, 8f }, max.Call(x).ToArray());
        Assert.Equal(new[] { 1.5f, 4.5f, 1.5f, 7f }, new AveragePooling1D(2).Call(x).ToArray());
        // "same" with stride 1: the last window holds one step and averages it alone (padding not counted).
        Assert.Equal(new[] { 1.5f, 4.5f, 2.5f, 5f, 1.5f, 7f, 3.5f, 8.5f, 7f, 9f }, new AveragePooling1D(2, strides: 1, padding: "same").Call(x).ToArray());
        Assert.Equal(new TensorShape(3, 2), new MaxPooling1D(3, strides: 2, padding: "same").ComputeOutputShape([5, 2]));
        Assert.Equal(new TensorShape(2, 2), new MaxPooling1D(3, strides: 1).ComputeOutputShape([4, 2]));
        Assert.Equal(("max_pooling1d", "average_pooling1d"), (new MaxPooling1D().Name[..13], new AveragePooling1D().Name[..17]));
    }

    [Fact]
    public void Bad_arguments_and_inputs_are_refused_naming_the_layer()
    {
        Assert.Contains("poolSize must be a positive integer; got 0", Assert.Throws<ArgumentOutOfRangeException>(() => new MaxPooling1D(0)).Message);
        Assert.Contains("strides", Assert.Throws<ArgumentOutOfRangeException>(() => new AveragePooling1D(2, strides: 0)).Message);
        Assert.Contains("\"causal\"", Assert.Throws<ArgumentException>(() => new MaxPooling1D(2, padding: "causal")).Message);
        var e1 = Assert.Throws<ArgumentException>(() => new MaxPooling1D(name: "mp").Call(Tensor.Ones(1, 4, 4, 1)));
        Assert.Equal("MaxPooling1D 'mp' expects input of rank 3 (batch, steps, channels), got (None, 4, 4, 1).", e1.Message);
        var e2 = Assert.Throws<ArgumentException>(() => new AveragePooling1D(4, name: "ap").Call(Tensor.Ones(1, 3, 2)));
        Assert.Contains("'ap'", e2.Message);
        Assert.Contains("pool size 4", e2.Message);
    }

    [Fact]
    public void Configurations_match_keras_and_round_trip()
    {
        var pool = new MaxPooling1D(3, strides: 2, padding: "same", name: "p1");
        var config = pool.GetConfig();
        Assert.Equal("[3]", config["pool_size"]!.ToJsonString());
        Assert.Equal("[2]", config["strides"]!.ToJsonString());
        var copy = LayerRoundTrip.Of(pool);
        Assert.Equal((3, 2, "same"), (copy.PoolSize, copy.Strides, copy.Padding));
        Assert.Equal(4, LayerRoundTrip.Of(new AveragePooling1D(4)).Strides);
        var keras = MaxPooling1D.FromConfig((JsonObject)JsonNode.Parse("""{"name": "k", "pool_size": [2], "strides": null, "padding": "valid"}""")!);
        Assert.Equal((2, 2), (keras.PoolSize, keras.Strides));
        var global = LayerRoundTrip.Of(new GlobalMaxPooling1D(keepDims: true));
        Assert.True(global.KeepDims);
        Assert.False(LayerRoundTrip.Of(new GlobalAveragePooling1D()).KeepDims);
    }

    [Fact]
    public void Global_pooling_over_steps()
    {
        var x = Tensor.FromArray([1f, 5f, 2f, 4f, 3f, 6f], 1, 3, 2);
        Assert.Equal(new[] { 3f, 6f }, new GlobalMaxPooling1D().Call(x).ToArray());
        Assert.Equal(new[] { 2f, 5f }, new GlobalAveragePooling1D().Call(x).ToArray());
        Assert.Equal(new TensorShape(1, 1, 2), new GlobalAveragePooling1D(keepDims: true).Call(x).Shape);
        Assert.Equal(new TensorShape(1, 2), new GlobalMaxPooling1D(keepDims: true).ComputeOutputShape([7, 2]));
        var e = Assert.Throws<ArgumentException>(() => new GlobalMaxPooling1D(name: "g").Call(Tensor.Ones(2, 3, 3, 1)));
        Assert.Contains("rank 3", e.Message);
    }

    [Fact]
    public void Global_average_pooling_averages_the_unmasked_steps_only()
    {
        // Ids 0 are padding: with maskZero the average runs over the real tokens alone, as Keras.
        var embedding = new Embedding(5, 2, embeddingsInitializer: new RandomUniform(seed: 1), maskZero: true, inputShape: [4]);
        var model = new Sequential(embedding, new GlobalAveragePooling1D());
        var ids = Tensor.FromArray([3f, 1f, 0f, 0f, 2f, 2f, 2f, 4f], 2, 4);
        var y = model.Predict(ids).ToArray();
        var table = embedding.Weights[0].ToArray();
        Assert.Equal((table[6] + table[2]) / 2, y[0], 6);
        Assert.Equal((table[7] + table[3]) / 2, y[1], 6);
        Assert.Equal((3 * table[4] + table[8]) / 4, y[2], 6);
        // Without a mask every step counts.
        var plain = new GlobalAveragePooling1D().Call(embedding.Call(ids)).ToArray();
        Assert.Equal((table[6] + table[2] + 2 * table[0]) / 4, plain[0], 6);
    }

    [Fact]
    public void Gradients_check_through_the_layers()
    {
        var x = Tensor.FromArray(Enumerable.Range(0, 2 * 6 * 3).Select(i => (float)((i * 37) % 97) * 0.1f).ToArray(), 2, 6, 3).WithRequiresGrad();
        foreach (Layer layer in new Layer[] { new MaxPooling1D(3, 2, "same"), new AveragePooling1D(2, 1), new GlobalMaxPooling1D(), new GlobalAveragePooling1D() })
        {
            var result = GradientChecker.Check(t => layer.Call(t[0]), [x]);
            Assert.True(result.Passed, $"{layer}: {result}");
        }
    }
}
