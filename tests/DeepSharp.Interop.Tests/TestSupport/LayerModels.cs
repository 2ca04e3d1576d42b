namespace DeepSharp.Interop.Tests;

/// <summary>Small models that use every layer the export writes, in the layouts and variants that change what it writes.</summary>
internal static class LayerModels
{
    public static readonly string[] Names =
    [
        "convolutions", "transposed_convolutions", "pooling", "global_pooling", "padding_and_upsampling", "reshaping",
        "activations", "image_softmax_and_concatenate", "sequence_dense_and_batchnorm", "recurrent_variants", "recurrent_activations",
        "bidirectional_modes", "time_distributed", "nested_and_shared", "embedding_mask_without_recurrence",
    ];

    public static Model Create(string name)
    {
        RandomGenerator.SetSeed(11);
        Model model = name switch
        {
            "convolutions" => new Sequential(
                new Conv2D(4, 3, strides: 2, padding: "same", activation: "relu", inputShape: [9, 9, 3]),
                new Conv2D(5, (2, 3), dilationRate: (2, 1), activation: "tanh"),
                new Conv2D(3, 1, useBias: false),
                new Conv2D(6, 1, groups: 3),
                new Conv2D(4, 2, groups: 2, activation: "relu")),
            "transposed_convolutions" => new Sequential(
                new Conv2DTranspose(3, 3, strides: 2, inputShape: [5, 5, 2]),
                new Conv2DTranspose(4, 3, strides: 2, padding: "same", outputPadding: 1, activation: "relu"),
                new Conv2DTranspose(2, 1, strides: 2),
                new Conv2DTranspose(2, (2, 3), strides: (1, 2), padding: "same", dilationRate: 1)),
            "pooling" => new Sequential(
                new Conv2D(4, 3, padding: "same", inputShape: [11, 11, 2]),
                new MaxPooling2D(3, strides: 2, padding: "same"),
                new AveragePooling2D(2, padding: "same"),
                new MaxPooling2D((2, 1)),
                new AveragePooling2D(1)),
            "global_pooling" => GlobalPooling(),
            "padding_and_upsampling" => new Sequential(
                new ZeroPadding2D((1, 2), (0, 3), inputShape: [4, 5, 2]),
                new Conv2D(3, 2),
                new ZeroPadding2D(1),
                new UpSampling2D(2),
                new UpSampling2D((2, 3), interpolation: "bilinear"),
                new Conv2D(2, 3, strides: 3)),
            "reshaping" => new Sequential(
                new Reshape([6, 6, 1], inputShape: [36]),
                new Conv2D(3, 3),
                new Flatten(),
                new Dense(12),
                new Reshape([3, -1]),
                new Flatten(),
                new Dropout(0.5),
                new Dense(2)),
            "activations" => Activations(),
            "image_softmax_and_concatenate" => ImageBranches(),
            "sequence_dense_and_batchnorm" => new Sequential(
                new Dense(6, activation: "relu", inputShape: [5, 4]),
                new BatchNormalization(),
                new Masking(0f),
                new Dense(3),
                new BatchNormalization(axis: 1)),
            "recurrent_variants" => new Sequential(
                new SimpleRNN(6, returnSequences: true, goBackwards: true, inputShape: [7, 3]),
                new LSTM(5, returnSequences: true, goBackwards: true, useBias: false),
                new GRU(4, returnSequences: true, resetAfter: false),
                new GRU(4, goBackwards: true),
                new Dense(2)),
            "recurrent_activations" => new Sequential(
                new LSTM(4, activation: "relu", recurrentActivation: "hard_sigmoid", returnSequences: true, inputShape: [6, 3]),
                new GRU(3, activation: "linear", recurrentActivation: "hard_sigmoid", returnSequences: true),
                new SimpleRNN(3, activation: "linear")),
            "bidirectional_modes" => Bidirectionals(),
            "time_distributed" => new Sequential(
                new TimeDistributed(new Conv2D(2, 3, activation: "relu"), inputShape: [3, 6, 6, 1]),
                new TimeDistributed(new Flatten()),
                new TimeDistributed(new Dense(4)),
                new LSTM(3)),
            "nested_and_shared" => Nested(),
            "embedding_mask_without_recurrence" => new Sequential(
                new Embedding(20, 4, maskZero: true, inputShape: [6]),
                new Flatten(),
                new Dense(3, activation: "softmax")),
            _ => throw new ArgumentException(name),
        };
        ExportedModels.RandomizeStatistics(model);
        return model;
    }

    private static Model GlobalPooling()
    {
        var image = new Input([6, 7, 3], name: "image");
        var direct = new GlobalMaxPooling2D().Call(image);                       // on the NHWC input: a reduction
        var directKept = new GlobalAveragePooling2D(keepDims: true).Call(image);
        var conv = new Conv2D(4, 3).Call(image);
        var pooled = new GlobalAveragePooling2D().Call(conv);                    // on NCHW: GlobalAveragePool
        var kept = new GlobalMaxPooling2D(keepDims: true).Call(conv);
        return new Model([image], [direct, directKept, pooled, new Conv2D(2, 1).Call(kept)], "global_pooling");
    }

    private static Model Activations()
    {
        string[] names = ["relu", "relu6", "sigmoid", "tanh", "elu", "selu", "gelu", "softplus", "softsign", "swish", "silu", "hard_sigmoid",
            "exponential", "linear", "log_softmax", "softmax"];
        var input = new Input([8], name: "x");
        var outputs = new List<SymbolicTensor>();
        foreach (var name in names) outputs.Add(new Dense(5, activation: name, name: $"dense_{name}").Call(input));
        outputs.Add(new Dense(5, activation: DeepSharp.Activations.LeakyReluWith(0.3f)).Call(input));
        outputs.Add(new LeakyReLU(0.1f).Call(new Dense(5).Call(input)));
        outputs.Add(new Activation("gelu").Call(new Dense(5).Call(input)));
        return new Model([input], outputs, "activations");
    }

    private static Model ImageBranches()
    {
        var image = new Input([5, 5, 2], name: "image");
        var a = new Conv2D(3, 3, padding: "same").Call(image);
        var b = new Conv2D(4, 1, activation: "softmax").Call(image);          // softmax over channels: ONNX axis 1 of NCHW
        var joined = new Concatenate().Call([a, b]);                            // channels: ONNX axis 1
        var rows = new Concatenate(axis: 1).Call([joined, new Activation("sigmoid").Call(joined)]);
        var sum = new Add().Call([a, new Conv2D(3, 1).Call(image)]);
        var batch = new BatchNormalization().Call(sum);                          // channels on ONNX axis 1: BatchNormalization
        return new Model([image], [rows, new Activation("softmax").Call(batch), new Flatten().Call(batch)], "image_branches");
    }

    private static Model Bidirectionals()
    {
        var sequence = new Input([5, 3], name: "sequence");
        var sum = new Bidirectional(new GRU(4), mergeMode: "sum").Call(sequence);
        var mul = new Bidirectional(new LSTM(3, returnSequences: true), mergeMode: "mul").Call(sequence);
        var ave = new Bidirectional(new SimpleRNN(3, returnSequences: true), mergeMode: "ave").Call(mul);
        var unlike = new Bidirectional(new LSTM(4, returnSequences: true), backwardLayer: new LSTM(6, returnSequences: true, goBackwards: true)).Call(sequence);
        var unlikeLast = new Bidirectional(new GRU(2), mergeMode: "ave", backwardLayer: new GRU(2, goBackwards: true, activation: "relu")).Call(ave);
        return new Model([sequence], [sum, ave, unlike, unlikeLast], "bidirectionals");
    }

    private static Model Nested()
    {
        var inner = new Sequential([new Dense(6, activation: "relu", inputShape: [4]), new Dense(4)], "inner");
        var x = new Input([4], name: "x");
        var shared = new Dense(4, activation: "tanh", name: "shared");
        var once = shared.Call(inner.Call(x));
        var twice = shared.Call(once);                                          // a layer called twice: one set of weights
        var functional = new Model([x], [new Add().Call([once, twice])], "functional_inner");
        return new Sequential([new Dense(4, inputShape: [3]), functional, new Dense(2)], "outer");
    }
}
