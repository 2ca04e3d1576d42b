namespace DeepSharp.Tests.Models;

/// <summary>A model used as a layer of another: shared weights, summary, training and saving.</summary>
public class NestedModelTests
{
    private static (Sequential Inner, Sequential Outer) Nested(string prefix)
    {
        var inner = new Sequential([
            new Dense(5, activation: "relu", inputShape: [3], name: $"{prefix}_in1"),
            new BatchNormalization(name: $"{prefix}_inbn"),
            new Dense(4, activation: "tanh", name: $"{prefix}_in2")], name: $"{prefix}_inner");
        var outer = new Sequential([inner, new Dense(2, name: $"{prefix}_head")], name: $"{prefix}_outer");
        return (inner, outer);
    }

    [Fact]
    public void The_inner_model_shares_its_weights_and_computes_the_same_function()
    {
        var (inner, outer) = Nested("share");
        Assert.True(outer.IsBuilt);
        Assert.Equal(inner.Weights.Count + 2, outer.Weights.Count);
        for (int i = 0; i < inner.Weights.Count; i++) Assert.Same(inner.Weights[i], outer.Weights[i]);
        var x = Tensor.RandomNormal([6, 3], generator: new RandomGenerator(1));
        var head = (Dense)outer.Layers[1];
        var expected = head.Call(inner.Call(x)).ToArray();
        Assert.Equal(expected, outer.Call(x).ToArray());
        Assert.Equal(expected, outer.Predict(x).ToArray());
    }

    [Fact]
    public void Training_the_outer_model_trains_the_inner_one()
    {
        var (inner, outer) = Nested("train");
        outer.Compile(new Adam(learningRate: 0.01f), "mse");
        var before = inner.GetWeights();
        outer.Fit(Tensor.RandomNormal([16, 3], generator: new RandomGenerator(2)), Tensor.RandomNormal([16, 2], generator: new RandomGenerator(3)),
            batchSize: 8, epochs: 1, verbose: 0);
        Assert.NotEqual(before[0], inner.GetWeights()[0]);
    }

    [Fact]
    public void Summary_shows_the_inner_model_as_one_layer()
    {
        var (_, outer) = Nested("summary");
        var text = outer.Summary(TextWriter.Null);
        Assert.Contains("summary_inner (Sequential)", text);
        Assert.Contains("(None, 4)", text);
        Assert.Contains("64 ", text);                 // inner: 3·5+5 + 4·5 + 5·4+4 = 20 + 20 + 24
        Assert.Contains($"Total params: {outer.CountParams():N0}", text);
        Assert.Equal(20 + 20 + 24 + 10, outer.CountParams());
    }

    [Fact]
    public void Save_and_Load_round_trip_a_nested_model()
    {
        var (inner, outer) = Nested("save");
        ((Dense)inner.Layers[0]).Trainable = false;
        outer.Compile(new Adam(learningRate: 0.01f), "mse");
        var x = Tensor.RandomNormal([6, 3], generator: new RandomGenerator(4));
        outer.Fit(x, Tensor.RandomNormal([6, 2], generator: new RandomGenerator(5)), batchSize: 6, verbose: 0); // moves BN statistics
        var path = Path.Combine(Path.GetTempPath(), $"deepsharp-nested-{Guid.NewGuid():N}.dsm");
        try
        {
            outer.Save(path);
            var loaded = Model.Load(path);
            var loadedInner = Assert.IsType<Sequential>(loaded.Layers[0]);
            Assert.Equal("save_inner", loadedInner.Name);
            Assert.Equal(3, loadedInner.Layers.Count);
            Assert.False(loadedInner.Layers[0].Trainable);    // a frozen layer inside stays frozen
            Assert.True(loadedInner.Layers[2].Trainable);
            Assert.Equal(outer.Predict(x).ToArray(), loaded.Predict(x).ToArray());
            Assert.Equal(outer.TrainableWeights.Select(w => w.Name), loaded.TrainableWeights.Select(w => w.Name));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void A_nested_model_that_cannot_take_the_previous_output_is_reported()
    {
        var inner = new Sequential([new Dense(2, inputShape: [7], name: "mismatch_in")], name: "mismatch_inner");
        var e = Assert.Throws<ArgumentException>(() => new Sequential(new Dense(3, inputShape: [4], name: "mismatch_first"), inner));
        Assert.Contains("mismatch_inner", e.Message);
        Assert.Contains("(None, 3)", e.Message);
    }

    /// <summary>Keras' subclassing style: a model that names its layers and writes its own forward pass.</summary>
    private sealed class TwoTower : Model
    {
        private readonly Dense _left = new(3, activation: "relu", name: "tower_left");
        private readonly Dense _right = new(3, activation: "tanh", name: "tower_right");
        private readonly Dense _head = new(1, name: "tower_head");

        public TwoTower() : base("two_tower", inputShape: [4]) { }

        public override IReadOnlyList<Layer> Layers => [_left, _right, _head];

        public override TensorShape ComputeOutputShape(TensorShape inputShape) => [1];

        protected override Tensor Forward(Tensor inputs, bool training) =>
            _head.Call(_left.Call(inputs, training) * _right.Call(inputs, training), training);
    }

    [Fact]
    public void A_subclassed_model_trains_and_lists_its_layers_weights()
    {
        var model = new TwoTower();
        var x = Tensor.RandomNormal([32, 4], generator: new RandomGenerator(6));
        var y = Tensor.RandomNormal([32, 1], generator: new RandomGenerator(7));
        model.Compile(new Adam(learningRate: 0.01f), "mse");
        double before = model.Evaluate(x, y, verbose: 0).Loss;
        model.Fit(x, y, batchSize: 8, epochs: 5, verbose: 0);
        Assert.Equal(6, model.Weights.Count);
        Assert.Equal(6, model.TrainableAtCompile.Count);
        Assert.True(model.Evaluate(x, y, verbose: 0).Loss < before);
        Assert.False(model.IsFunctional);
        Assert.Equal("TwoTower", model.ClassName);
        model.Trainable = false;
        Assert.All(model.Layers, l => Assert.False(l.Trainable));
    }

    [Fact]
    public void A_model_without_a_graph_or_a_forward_pass_says_what_to_do()
    {
        var e = Assert.Throws<InvalidOperationException>(() => new Bare().Call(Tensor.Ones(2, 3)));
        Assert.Contains("new Model(inputs, outputs)", e.Message);
    }

    private sealed class Bare() : Model("bare") { }
}
