using System.Text.Json.Nodes;

namespace DeepSharp.Tests.Models;

/// <summary>The functional API: Input → layers called on symbolic tensors → new Model(inputs, outputs).</summary>
public class FunctionalModelTests
{
    private static string TempPath() => Path.Combine(Path.GetTempPath(), $"deepsharp-functional-{Guid.NewGuid():N}.dsm");

    /// <summary>A residual block with a concatenated side branch: not expressible as a Sequential.</summary>
    private static Model Residual(string prefix)
    {
        var inputs = new Input([4], name: $"{prefix}_in");
        var h = new Dense(4, activation: "relu", name: $"{prefix}_d1").Call(inputs);
        var shortcut = new Add(name: $"{prefix}_add").Call([inputs, h]);
        var side = new Dense(3, activation: "tanh", name: $"{prefix}_side").Call(inputs);
        var joined = new Concatenate(name: $"{prefix}_cat").Call([shortcut, side]);
        var normed = new BatchNormalization(name: $"{prefix}_bn").Call(joined);
        var dropped = new Dropout(0.3, name: $"{prefix}_drop").Call(normed);
        var outputs = new Dense(2, name: $"{prefix}_out").Call(dropped);
        return new Model(inputs, outputs, name: $"{prefix}_model");
    }

    [Fact]
    public void A_chain_computes_what_its_layers_compute_and_symbolic_shapes_follow_the_layers()
    {
        var inputs = new Input([3], name: "chain_in");
        var dense1 = new Dense(5, activation: "relu", name: "chain_d1");
        var dense2 = new Dense(2, name: "chain_d2");
        var hidden = dense1.Call(inputs);
        Assert.Equal(new TensorShape(5), hidden.Shape);
        Assert.Same(dense1, hidden.Layer);
        Assert.Contains("(None, 5)", hidden.ToString());
        var model = new Model(inputs, dense2.Call(hidden), name: "chain");
        Assert.True(model.IsBuilt);
        Assert.True(model.IsFunctional);
        Assert.Equal("Functional", model.ClassName);
        Assert.Equal(["chain_in", "chain_d1", "chain_d2"], model.Layers.Select(l => l.Name));
        var x = Tensor.RandomNormal([4, 3], generator: new RandomGenerator(1));
        Assert.Equal(dense2.Call(dense1.Call(x)).ToArray(), model.Call(x).ToArray());
        Assert.Equal(4, model.Weights.Count);
    }

    [Fact]
    public void Compile_Fit_Evaluate_Predict_learn_through_a_non_linear_graph()
    {
        var model = Residual("fit");
        var rng = new RandomGenerator(7);
        var x = Tensor.RandomNormal([256, 4], generator: rng);
        var xs = x.ToArray();
        var ys = new float[512];
        for (int i = 0; i < 256; i++)
        {
            ys[2 * i] = xs[4 * i] + 0.5f * xs[4 * i + 1];
            ys[2 * i + 1] = xs[4 * i + 2] - xs[4 * i + 3];
        }
        var y = Tensor.FromArray(ys, 256, 2);
        model.Compile(new Adam(learningRate: 0.02f), "mse");
        double before = model.Evaluate(x, y, verbose: 0).Loss;
        var history = model.Fit(x, y, batchSize: 32, epochs: 15, verbose: 0, seed: 1);
        double after = model.Evaluate(x, y, verbose: 0).Loss;
        Assert.True(after < before * 0.2, $"loss {before} -> {after}");
        Assert.Equal(15, history.Epochs.Count);
        Assert.Equal(new TensorShape(256, 2), model.Predict(x).Shape);
    }

    [Fact]
    public void Save_and_Load_give_identical_outputs()
    {
        var model = Residual("save");
        model.Compile(new Adam(learningRate: 0.01f), "mse");
        var x = Tensor.RandomNormal([16, 4], generator: new RandomGenerator(2));
        model.Fit(x, Tensor.RandomNormal([16, 2], generator: new RandomGenerator(3)), batchSize: 8, epochs: 2, verbose: 0);
        var path = TempPath();
        try
        {
            model.Save(path);
            var loaded = Model.Load(path);
            Assert.True(loaded.IsFunctional);
            Assert.Equal("save_model", loaded.Name);
            Assert.Equal(model.Layers.Select(l => l.Name), loaded.Layers.Select(l => l.Name));
            Assert.Equal(model.Predict(x).ToArray(), loaded.Predict(x).ToArray());
            Assert.True(loaded.IsCompiled);
            var config = loaded.GetConfig();
            var cat = config["layers"]!.AsArray().Single(l => l!["name"]!.GetValue<string>() == "save_cat")!;
            Assert.Equal("[[[\"save_add\",0,0],[\"save_side\",0,0]]]", cat["inbound_nodes"]!.ToJsonString());
            Assert.Equal(model.GetConfig().ToJsonString(), config.ToJsonString());
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Several_inputs_and_outputs_run_predict_and_save()
    {
        var image = new Input([2, 2, 1], name: "multi_image");
        var meta = new Input([3], name: "multi_meta");
        var features = new Flatten(name: "multi_flat").Call(image);
        var both = new Concatenate(name: "multi_cat").Call([features, meta]);
        var shared = new Dense(4, activation: "relu", name: "multi_shared");
        var h1 = shared.Call(both);
        var h2 = shared.Call(new Dense(7, name: "multi_proj").Call(both));     // the same layer called twice
        var score = new Dense(1, activation: "sigmoid", name: "multi_score").Call(h1);
        var cls = new Dense(3, activation: "softmax", name: "multi_class").Call(new Add(name: "multi_add").Call([h1, h2]));
        var model = new Model([image, meta], [score, cls], name: "multi");
        Assert.Equal(2, model.Inputs.Count);
        Assert.Equal(2, shared.Weights.Count);
        Assert.Equal(model.Weights.Count, model.Weights.Distinct().Count());      // the shared layer counts once

        var xi = Tensor.RandomNormal([5, 2, 2, 1], generator: new RandomGenerator(4));
        var xm = Tensor.RandomNormal([5, 3], generator: new RandomGenerator(5));
        var outputs = model.Call([xi, xm]);
        Assert.Equal(new TensorShape(5, 1), outputs[0].Shape);
        Assert.Equal(new TensorShape(5, 3), outputs[1].Shape);
        var predicted = model.Predict([xi, xm], batchSize: 2);
        Ops.OpAssert.Close(outputs[0].ToArray(), predicted[0].ToArray());
        Ops.OpAssert.Close(outputs[1].ToArray(), predicted[1].ToArray());

        var path = TempPath();
        try
        {
            model.Save(path);
            var loaded = Model.Load(path);
            var again = loaded.Call([xi, xm]);
            Assert.Equal(outputs[0].ToArray(), again[0].ToArray());
            Assert.Equal(outputs[1].ToArray(), again[1].ToArray());
            var sharedConfig = loaded.GetConfig()["layers"]!.AsArray().Single(l => l!["name"]!.GetValue<string>() == "multi_shared")!;
            Assert.Equal(2, sharedConfig["inbound_nodes"]!.AsArray().Count);
        }
        finally
        {
            File.Delete(path);
        }

        var fit = Assert.Throws<InvalidOperationException>(() =>
        {
            model.Compile(new Adam(), "mse");
            model.Fit(xi, Tensor.Zeros(5, 1), verbose: 0);
        });
        Assert.Contains("2 input(s)", fit.Message);
        var outputs2 = Assert.Throws<InvalidOperationException>(() => model.Fit([xi, xm], Tensor.Zeros(5, 1), verbose: 0));
        Assert.Contains("2 outputs", outputs2.Message);
        Assert.Contains("GradientTape", outputs2.Message);
        var count = Assert.Throws<ArgumentException>(() => model.Call([xi]));
        Assert.Contains("multi_meta", count.Message);
        var shape = Assert.Throws<ArgumentException>(() => model.Call([xi, Tensor.Ones(5, 4)]));
        Assert.Contains("multi_meta", shape.Message);
        Assert.Contains("(None, 3)", shape.Message);
    }

    [Fact]
    public void Fit_Evaluate_and_TrainOnBatch_take_one_tensor_per_input()
    {
        var a = new Input([2], name: "fit2_a");
        var b = new Input([3], name: "fit2_b");
        var output = new Dense(1, name: "fit2_out").Call(new Concatenate(name: "fit2_cat").Call([a, b]));
        var model = new Model([a, b], [output], name: "fit2");
        model.Compile(new Adam(learningRate: 0.05f), "mse", ["mae"]);
        var xa = Tensor.RandomNormal([200, 2], generator: new RandomGenerator(20));
        var xb = Tensor.RandomNormal([200, 3], generator: new RandomGenerator(21));
        // The target mixes both inputs row by row: it is learnable only if the shuffled batches stay aligned.
        var ra = xa.ToArray();
        var rb = xb.ToArray();
        var y = Tensor.FromArray(Enumerable.Range(0, 200).Select(i => ra[2 * i] - 2 * rb[3 * i + 2] + 0.5f).ToArray(), 200, 1);
        double before = model.Evaluate([xa, xb], y, verbose: 0).Loss;
        var history = model.Fit([xa, xb], y, batchSize: 16, epochs: 30, verbose: 0, seed: 3);
        var result = model.Evaluate([xa, xb], y, verbose: 0);
        Assert.True(result.Loss < 1e-3 && result.Loss < before, $"loss {before} -> {result.Loss}");
        Assert.Equal(30, history.Epochs.Count);
        Assert.True(result["mae"] < 0.05);
        var step = model.TrainOnBatch([xa, xb], y);
        Assert.Equal(step["loss"], model.TestOnBatch([xa, xb], y)["loss"], 2);
        var e = Assert.Throws<ArgumentException>(() => model.Fit([xa, Tensor.Ones(200, 2)], y, verbose: 0));
        Assert.Contains("fit2_b", e.Message);
        var samples = Assert.Throws<ArgumentException>(() => model.TrainOnBatch([xa, xb], Tensor.Ones(5, 1)));
        Assert.Contains("200", samples.Message);
    }

    [Fact]
    public void A_custom_loop_trains_a_multi_output_model_with_a_tape()
    {
        var a = new Input([2], name: "loop_a");
        var b = new Input([2], name: "loop_b");
        var joined = new Concatenate(name: "loop_cat").Call([a, b]);
        var out1 = new Dense(1, name: "loop_o1").Call(joined);
        var out2 = new Dense(1, name: "loop_o2").Call(new Dense(3, activation: "tanh", name: "loop_h").Call(joined));
        var model = new Model([a, b], [out1, out2], name: "loop");
        var xa = Tensor.RandomNormal([32, 2], generator: new RandomGenerator(8));
        var xb = Tensor.RandomNormal([32, 2], generator: new RandomGenerator(9));
        var target = Tensor.Ones(32, 1);
        Loss mse = "mse";
        var optimizer = new Adam(learningRate: 0.05f);
        double first = 0, last = 0;
        for (int step = 0; step < 60; step++)
        {
            using var scope = TensorScope.Begin();
            using var tape = new GradientTape();
            var outputs = model.Call([xa, xb], training: true);
            var loss = mse.Compute(target, outputs[0]) + mse.Compute(target, outputs[1]);
            if (step == 0) first = loss.Item();
            last = loss.Item();
            optimizer.ApplyGradients(tape.Gradient(loss, model.TrainableWeights), model.TrainableWeights);
        }
        Assert.True(last < first * 0.1, $"loss {first} -> {last}");
    }

    [Fact]
    public void A_disconnected_input_or_an_output_needing_a_missing_input_is_refused_by_name()
    {
        var used = new Input([3], name: "dis_used");
        var unused = new Input([3], name: "dis_unused");
        var output = new Dense(2, name: "dis_dense").Call(used);
        var e1 = Assert.Throws<ArgumentException>(() => new Model([used, unused], [output], name: "dis1"));
        Assert.Contains("dis_unused", e1.Message);
        Assert.Contains("not connected", e1.Message);

        var other = new Input([3], name: "dis_other");
        var merged = new Add(name: "dis_add").Call([used, other]);
        var final = new Dense(1, name: "dis_final").Call(merged);
        var e2 = Assert.Throws<ArgumentException>(() => new Model(used, final, name: "dis2"));
        Assert.Contains("disconnected", e2.Message);
        Assert.Contains("dis_add", e2.Message);       // the layer that needs it
        Assert.Contains("dis_other", e2.Message);     // the input it needs
        Assert.Contains("dis_used", e2.Message);      // the inputs given

        var e3 = Assert.Throws<ArgumentException>(() => new Model(output, output, name: "dis3"));
        Assert.Contains("dis_dense", e3.Message);
        Assert.Contains("not an Input", e3.Message);
    }

    [Fact]
    public void Layer_shape_mismatches_and_duplicate_names_are_reported()
    {
        var inputs = new Input([3], name: "bad_in");
        var e = Assert.Throws<ArgumentException>(() => new Reshape([2, 2], name: "bad_reshape").Call(inputs));
        Assert.Contains("bad_reshape", e.Message);
        Assert.Contains("bad_in", e.Message);
        Assert.Contains("(None, 3)", e.Message);
        var a = new Dense(2, name: "twin").Call(inputs);
        var b = new Dense(2, name: "twin").Call(a);
        var dup = Assert.Throws<ArgumentException>(() => new Model(inputs, b));
        Assert.Contains("'twin'", dup.Message);
        var input = Assert.Throws<InvalidOperationException>(() => new Input([2], name: "bad_called").Call(new Input([2])));
        Assert.Contains("bad_called", input.Message);
    }

    [Fact]
    public void Summary_lists_inputs_and_the_layers_each_layer_is_connected_to()
    {
        var text = Residual("sum").Summary(TextWriter.Null);
        Assert.Contains("Connected to", text);
        Assert.Contains("sum_in (InputLayer)", text);
        Assert.Contains("sum_cat (Concatenate)", text);
        Assert.Contains("sum_add, sum_side", text);
        Assert.Contains("(None, 7)", text);
        Assert.Contains("Non-trainable params: 14", text);   // moving statistics of 7 channels
    }

    [Fact]
    public void Models_nest_either_way_and_save()
    {
        var encoder = new Sequential([new Dense(4, activation: "relu", inputShape: [6], name: "nest_enc1"), new Dense(3, name: "nest_enc2")], name: "nest_encoder");
        var inputs = new Input([6], name: "nest_in");
        var code = encoder.Call(inputs);
        var skip = new Dense(3, name: "nest_skip").Call(inputs);
        var inner = new Model(inputs, new Add(name: "nest_add").Call([code, skip]), name: "nest_inner");
        var outer = new Sequential([inner, new Dense(1, name: "nest_head")], name: "nest_outer");
        var x = Tensor.RandomNormal([5, 6], generator: new RandomGenerator(10));
        var expected = ((Dense)outer.Layers[1]).Call(inner.Call(x)).ToArray();
        Assert.Equal(expected, outer.Predict(x).ToArray());
        Assert.Equal(encoder.Weights.Count + 2 + 2, outer.Weights.Count);
        var outer2In = new Input([6], name: "nest_in2");
        var outer2 = new Model(outer2In, new Dense(2, name: "nest_head2").Call(inner.Call(outer2In)), name: "nest_outer2");
        Assert.Contains("nest_inner (Functional)", outer2.Summary(TextWriter.Null));
        foreach (Model model in new Model[] { outer, outer2 })
        {
            var path = TempPath();
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
    }

    [Fact]
    public void Trainable_and_compile_freezing_work_for_functional_models()
    {
        var noise = new Input([4], name: "fgan_noise");
        var generator = new Sequential([new Dense(6, activation: "tanh", inputShape: [4], name: "fgan_g")], name: "fgan_generator");
        var discriminator = new Sequential([new Dense(1, activation: "sigmoid", inputShape: [6], name: "fgan_d")], name: "fgan_discriminator");
        discriminator.Trainable = false;
        var combined = new Model(noise, discriminator.Call(generator.Call(noise)), name: "fgan");
        combined.Compile(new Adam(learningRate: 0.05f), "binary_crossentropy");
        Assert.Equal(2, combined.TrainableWeights.Count);
        Assert.Equal(2, combined.NonTrainableWeights.Count);
        var d = discriminator.GetWeights();
        var g = generator.GetWeights();
        combined.TrainOnBatch(Tensor.RandomNormal([8, 4], generator: new RandomGenerator(11)), Tensor.Ones(8, 1));
        Assert.Equal(d, discriminator.GetWeights());
        Assert.NotEqual(g[0], generator.GetWeights()[0]);
    }

    [Fact]
    public void A_steady_state_training_step_through_a_graph_allocates_almost_nothing()
    {
        var model = Residual("alloc");
        model.Compile(new Adam(), "mse");
        var x = Tensor.RandomNormal([32, 4], generator: new RandomGenerator(12));
        var y = Tensor.RandomNormal([32, 2], generator: new RandomGenerator(13));
        for (int i = 0; i < 50; i++) model.TrainOnBatch(x, y);
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 100; i++) model.TrainOnBatch(x, y);
        long perStep = (GC.GetAllocatedBytesForCurrentThread() - before) / 100;
        Assert.True(perStep < 1024, $"{perStep} bytes per step");
    }

    [Fact]
    public void Penalties_of_layers_in_a_graph_and_in_a_nested_model_are_added_once()
    {
        var inputs = new Input([3], name: "pen_in");
        var inner = new Sequential([new Dense(2, kernelInitializer: new Constant(0.5f), kernelRegularizer: new L2(0.1f), inputShape: [3], name: "pen_inner_dense")],
            name: "pen_inner");
        var outputs = new Dense(2, kernelInitializer: new Constant(0f), kernelRegularizer: new L1(0.01f), name: "pen_dense").Call(inner.Call(inputs));
        var model = new Model(inputs, outputs, name: "pen");
        model.Compile(new SGD(learningRate: 0f), "mse");
        // Output is 0: mse 0 against zeros; L2 0.1·6·0.25 = 0.15 on the inner kernel; L1 on a zero kernel adds 0.
        Assert.Equal(0.15, model.TrainOnBatch(Tensor.Ones(4, 3), Tensor.Zeros(4, 2))["loss"], 5);
    }

    [Fact]
    public void A_saved_graph_that_cannot_be_rebuilt_is_reported()
    {
        var inputs = new Input([2], name: "broken_in");
        var model = new Model(inputs, new Dense(1, name: "broken_dense").Call(inputs), name: "broken");
        var config = model.GetConfig();
        config["layers"]![1]!["inbound_nodes"] = JsonNode.Parse("[[[\"nowhere\",0,0]]]");
        var e = Assert.Throws<FormatException>(() => LayerRegistry.Create(new JsonObject { ["class_name"] = "Functional", ["config"] = config }));
        Assert.Contains("nowhere", e.Message);
        Assert.Contains("broken_dense", e.Message);
    }
}
