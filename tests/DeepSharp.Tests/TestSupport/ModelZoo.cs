using DeepSharp.Examples;

namespace DeepSharp.Tests.TestSupport;

/// <summary>
/// Models that together hold every kind of layer (the seed models, recurrent stacks, merges, image, sequence, depthwise
/// and preprocessing layers, masking), by name, with sample inputs: for tests that must hold for any model.
/// </summary>
internal static class ModelZoo
{
    public static TheoryData<string> Names => ["seed mlp", "seed cnn with batch norm", "stacked lstm", "gru", "dcgan generator",
        "bidirectional lstm over embedding", "functional with merges", "image layers", "sequence layers", "1-d convolutions",
        "depthwise and separable convolutions", "preprocessing and augmentation", "masked average of a gru without reset_after"];

    public static Model Build(string name) => name switch
    {
        "seed mlp" => SeedModels.Mlp(),
        "seed cnn with batch norm" => SeedModels.Cnn(10, batchNorm: true),
        "stacked lstm" => SeedModels.RowLstm(),
        "gru" => SeedModels.RowLstm(gru: true),
        "dcgan generator" => GanModels.Generator("dcgan"),
        "bidirectional lstm over embedding" => new Sequential(
            new Embedding(50, 8, inputShape: [12]),
            new Bidirectional(new LSTM(6, returnSequences: true)),
            new Bidirectional(new GRU(5), mergeMode: "sum"),
            new Dense(3, activation: "softmax")),
        "functional with merges" => Functional(),
        "image layers" => new Sequential(
            new ZeroPadding2D((1, 2), (0, 1), inputShape: [9, 7, 3]),
            new Conv2D(6, 3, strides: 2, padding: "same", useBias: false, kernelInitializer: new HeNormal(seed: 3), kernelRegularizer: new L2(1e-4f)),
            new BatchNormalization(momentum: 0.9f, center: false),
            new LeakyReLU(0.1f),
            new AveragePooling2D(2, strides: 1, padding: "same"),
            new SpatialDropout2D(0.1),
            new Conv2DTranspose(4, 3, strides: 2, padding: "same", activation: "relu"),
            new UpSampling2D(2, interpolation: "bilinear"),
            new MaxPooling2D(3, strides: 2, padding: "same"),
            new GlobalMaxPooling2D(keepDims: true),
            new Reshape([4]),
            new Activation(Activations.Elu),
            new Dropout(0.3, seed: 5),
            new Dense(2, activation: "sigmoid")),
        "sequence layers" => new Sequential(
            new Masking(0f, inputShape: [6, 4]),
            new SimpleRNN(5, returnSequences: true, goBackwards: true),
            new TimeDistributed(new Dense(3, activation: "tanh")),
            new LSTM(4, recurrentActivation: "hard_sigmoid", unitForgetBias: false, useBias: false),
            new Dense(2)),
        "1-d convolutions" => new Sequential(
            new ZeroPadding1D((1, 2), inputShape: [12, 4]),
            new Conv1D(6, 3, padding: "causal", dilationRate: 2, activation: "relu", groups: 2),
            new MaxPooling1D(2, padding: "same"),
            new Conv1D(4, 2, strides: 2, useBias: false, kernelRegularizer: new L2(1e-3f)),
            new UpSampling1D(3),
            new Cropping1D((1, 2)),
            new AveragePooling1D(2, strides: 1),
            new GlobalMaxPooling1D(keepDims: true),
            new Flatten(),
            new Dense(2)),
        "depthwise and separable convolutions" => new Sequential(
            new Cropping2D((1, 0), inputShape: [14, 13, 4]),
            new DepthwiseConv2D(3, depthMultiplier: 2, padding: "same", activation: "relu"),
            new Conv2D(8, 3, groups: 4, strides: 2),
            new SeparableConv2D(5, (2, 3), depthMultiplier: 3, dilationRate: (1, 2), pointwiseRegularizer: new L1(1e-4f)),
            new DepthwiseConv2D((1, 2), useBias: false),
            new GlobalAveragePooling2D(),
            new Dense(3, activation: "softmax")),
        "preprocessing and augmentation" => new Sequential(
            new Rescaling(1 / 255.0, offset: -0.5, inputShape: [12, 10, 3]),
            new Resizing(10, 8, interpolation: "nearest", cropToAspectRatio: true),
            new RandomFlip("horizontal", seed: 3),
            new RandomRotation(0.1, fillMode: "nearest", seed: 4),
            new RandomTranslation(0.2, (-0.3, 0.1), seed: 5),
            new RandomZoom(0.2, seed: 6),
            new RandomContrast(0.3, seed: 7),
            new CenterCrop(6, 6),
            new Flatten(),
            new Dense(2)),
        "masked average of a gru without reset_after" => new Sequential(
            new Embedding(20, 6, maskZero: true, inputShape: [7]),
            new GRU(5, returnSequences: true, resetAfter: false),
            new GlobalAveragePooling1D(),
            new Dense(2)),
        _ => throw new ArgumentException(name),
    };

    private static Model Functional()
    {
        var input = new Input([10], name: "features");
        var hidden = new Dense(12, activation: "relu", name: "hidden").Call(input);
        var left = new Dense(6, activation: "tanh", name: "left").Call(hidden);
        var right = new Dense(6, name: "right").Call(hidden);
        var product = new Multiply(name: "product").Call([left, right]);
        var difference = new Subtract(name: "difference").Call([left, right]);
        var mean = new Average(name: "mean").Call([product, difference, left]);
        var joined = new Concatenate(name: "joined").Call([mean, hidden]);
        var output = new Dense(4, activation: "softmax", name: "scores").Call(joined);
        return new Model(input, output, name: "merges");
    }

    public static Tensor SampleInput(Model model, int batch)
    {
        var shape = new TensorShape([batch, .. model.InputShape!.Value.Dims]);
        var random = new RandomGenerator(11);
        if (model.Layers[0] is Embedding embedding)
            return Tensor.FromArray(Enumerable.Range(0, shape.Size).Select(_ => (float)random.NextInt(embedding.InputDim)).ToArray(), shape.Dims);
        return Tensor.RandomNormal(shape, generator: random);
    }
}
