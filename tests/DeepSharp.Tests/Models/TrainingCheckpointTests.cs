using DeepSharp.Tests.Data;

namespace DeepSharp.Tests.Models;

/// <summary>A checkpoint's snapshot, its bytes and file, and its restore into a model built again.</summary>
public class TrainingCheckpointTests
{
    private static Model Trained(long seed, string optimizer = "adam")
    {
        RandomGenerator.SetSeed(seed);
        var model = new Sequential(new Dense(6, activation: "relu", inputShape: [4]), new Dropout(0.3), new BatchNormalization(), new Dense(3, activation: "softmax"));
        model.Compile(optimizer, "sparse_categorical_crossentropy", ["accuracy"]);
        var random = new RandomGenerator(seed);
        var x = Tensor.RandomNormal([40, 4], generator: random);
        var y = Tensor.FromArray(Enumerable.Range(0, 40).Select(i => (float)(i % 3)).ToArray());
        model.Fit(x, y, batchSize: 8, epochs: 2, verbose: 0, seed: 1);
        return model;
    }

    [Fact]
    public void Restore_puts_weights_optimizer_state_and_random_streams_back_into_a_model_built_again()
    {
        var model = Trained(1);
        var checkpoint = TrainingCheckpoint.Capture(model);
        var next = model.Layers.OfType<Dropout>().Single();

        var again = Trained(2); // another start: everything must come from the checkpoint
        TrainingCheckpoint.FromBytes(checkpoint.ToBytes()).Restore(again);

        Assert.Equal(model.GetWeights(), again.GetWeights());
        Assert.Equal(model.Optimizer!.Iterations, again.Optimizer!.Iterations);
        var slots = model.Optimizer.GetState().Slots;
        var restoredSlots = again.Optimizer.GetState().Slots;
        Assert.Equal(slots.Count, restoredSlots.Count);
        for (int i = 0; i < slots.Count; i++) Assert.Equal(slots[i], restoredSlots[i]);
        // The dropout streams continue alike: the same masks in training mode.
        var input = Tensor.Ones(2, 6);
        Assert.Equal(next.Call(input, training: true).ToArray(), again.Layers.OfType<Dropout>().Single().Call(input, training: true).ToArray());
    }

    [Fact]
    public void Outside_fit_the_position_is_zero_unless_given_and_the_file_round_trips()
    {
        using var dir = new TempDirectory();
        var model = Trained(3);

        var plain = TrainingCheckpoint.Capture(model);
        var placed = TrainingCheckpoint.Capture(model, epoch: 4, step: 2);
        placed.Save(dir.File("c.safetensors"));
        var loaded = TrainingCheckpoint.Load(dir.File("c.safetensors"));

        Assert.Equal((0, 0, 0), (plain.Epoch, plain.Step, plain.Epochs));
        Assert.Equal((4, 2, 10), (loaded.Epoch, loaded.Step, (int)loaded.Iterations));
        Assert.Null(loaded.InterruptReason);
        Assert.Empty(loaded.HistoryEpochs);
        Assert.Equal(placed.ToBytes(), loaded.ToBytes());
        Assert.Equal(loaded.Length, new FileInfo(dir.File("c.safetensors")).Length);
        // Any safetensors reader sees the weights and the optimizer's slots by name.
        using var file = SafeTensors.Load(dir.File("c.safetensors"));
        Assert.Contains($"model/0/{model.Weights[0].Name}", file.Tensors.Keys);
        Assert.Contains("optimizer/0/1", file.Tensors.Keys);
        Assert.Equal(TrainingCheckpoint.Format, file.Metadata["format"]);
    }

    [Fact]
    public void A_model_that_does_not_fit_is_refused_and_left_as_it_was()
    {
        var checkpoint = TrainingCheckpoint.Capture(Trained(4));
        var sgd = Trained(5, optimizer: "sgd");
        var weights = sgd.GetWeights();
        RandomGenerator.SetSeed(6);
        var wider = new Sequential(new Dense(7, inputShape: [4]), new Dropout(0.3), new BatchNormalization(), new Dense(3, activation: "softmax"));
        wider.Compile("adam", "sparse_categorical_crossentropy");
        var uncompiled = new Sequential(new Dense(6, activation: "relu", inputShape: [4]), new Dropout(0.3), new BatchNormalization(), new Dense(3, activation: "softmax"));

        Assert.Contains("compiled with 'sgd'", Assert.Throws<ArgumentException>(() => checkpoint.Restore(sgd)).Message);
        Assert.Equal(weights, sgd.GetWeights());
        Assert.Contains("weight 0 is", Assert.Throws<ArgumentException>(() => checkpoint.Restore(wider)).Message);
        Assert.Contains("the model is not compiled", Assert.Throws<ArgumentException>(() => checkpoint.Restore(uncompiled)).Message);
    }

    [Fact]
    public void A_model_without_the_dropout_layer_has_fewer_random_streams_and_is_refused()
    {
        var checkpoint = TrainingCheckpoint.Capture(Trained(7));
        RandomGenerator.SetSeed(8);
        var noDropout = new Sequential(new Dense(6, activation: "relu", inputShape: [4]), new BatchNormalization(), new Dense(3, activation: "softmax"));
        noDropout.Compile("adam", "sparse_categorical_crossentropy");
        noDropout.Fit(Tensor.Zeros(8, 4), Tensor.Zeros(8), batchSize: 8, verbose: 0);

        var e = Assert.Throws<ArgumentException>(() => checkpoint.Restore(noDropout));

        Assert.Contains("1 random generators of layers (dropout, noise) but the model has 0", e.Message);
    }

    [Fact]
    public void Files_that_are_not_checkpoints_are_refused_with_the_reason()
    {
        using var dir = new TempDirectory();
        var model = Trained(9);
        model.Save(dir.File("model.dsm"));
        File.WriteAllBytes(dir.File("short.safetensors"), [1, 2, 3]);
        var bytes = TrainingCheckpoint.Capture(model).ToBytes();

        Assert.Contains("not a training checkpoint", Assert.Throws<InvalidDataException>(() => TrainingCheckpoint.Load(dir.File("model.dsm"))).Message);
        Assert.Contains("truncated", Assert.Throws<InvalidDataException>(() => TrainingCheckpoint.Load(dir.File("short.safetensors"))).Message);
        Assert.Throws<InvalidDataException>(() => TrainingCheckpoint.FromBytes(bytes[..(bytes.Length / 2)]));
        Assert.Throws<FileNotFoundException>(() => TrainingCheckpoint.Load(dir.File("missing")));
    }

    [Fact]
    public void Capture_needs_a_built_model()
    {
        var model = new Sequential(new Dense(3));
        Assert.Contains("not built", Assert.Throws<InvalidOperationException>(() => TrainingCheckpoint.Capture(model)).Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => TrainingCheckpoint.Capture(Trained(10), epoch: -1));
    }
}
