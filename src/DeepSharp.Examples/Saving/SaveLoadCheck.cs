namespace DeepSharp.Examples;

/// <summary>
/// Saves and reloads one model of each kind — the seed MLP, the seed CNN with and without batch normalization, the
/// LSTM and GRU row models, and a functional model with two branches — and checks that each reloaded model predicts
/// the same bits, is compiled again with the same optimizer and loss, and trains on, and that a Keras archive of it
/// (<c>SaveKeras</c>, <c>LoadKeras</c>) predicts the same bits too (in a NativeAOT binary: that Keras files are refused
/// with a message, since their HDF5 library needs run-time code). It is the check the NativeAOT
/// binary runs (<c>deepsharp check-saving</c>, called by tools/publish-aot.sh), since saving is where reflection-based
/// code would break there.
/// </summary>
public static class SaveLoadCheck
{
    /// <summary>The model kinds checked, in order.</summary>
    public static IReadOnlyList<string> Kinds { get; } = ["mlp", "cnn", "cnn-bn", "lstm", "gru", "functional"];

    /// <summary>
    /// Builds, trains for one small epoch on random data, saves into <paramref name="directory"/>, reloads and compares
    /// each kind, writing one line per kind to <paramref name="output"/>. Returns true when every kind passed.
    /// </summary>
    public static bool Run(string directory, TextWriter output)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        ArgumentNullException.ThrowIfNull(output);
        Directory.CreateDirectory(directory);
        bool allPassed = true;
        foreach (var kind in Kinds)
        {
            string? failure = Check(kind, Path.Combine(directory, kind + ".dsm"), out long bytes);
            output.WriteLine(failure is null
                ? $"{kind,-11} saved {bytes / 1024.0:F0} KB, reloaded: same outputs bit for bit, compiled again, trains on; " +
                  (System.Runtime.CompilerServices.RuntimeFeature.IsDynamicCodeSupported ? "as .keras: same outputs" : ".keras refused with its message (NativeAOT)")
                : $"{kind,-11} FAILED: {failure}");
            allPassed &= failure is null;
        }
        return allPassed;
    }

    /// <summary>The model of one kind, uncompiled (the names of <see cref="Kinds"/>).</summary>
    public static Model Build(string kind) => kind switch
    {
        "mlp" => SeedModels.Mlp(),
        "cnn" => SeedModels.Cnn(),
        "cnn-bn" => SeedModels.Cnn(10, batchNorm: true),
        "lstm" => SeedModels.RowLstm(),
        "gru" => SeedModels.RowLstm(gru: true),
        "functional" => TwoBranches(),
        _ => throw new ArgumentException($"SaveLoadCheck: unknown model kind '{kind}'; expected one of {string.Join(", ", Kinds)}.", nameof(kind)),
    };

    private static string? Check(string kind, string path, out long bytes)
    {
        bytes = 0;
        RandomGenerator.SetSeed(1);
        var model = Build(kind);
        model.Compile(new Adam(learningRate: 1e-3f), "sparse_categorical_crossentropy", ["accuracy"]);
        var random = new RandomGenerator(2);
        var x = Tensor.RandomUniform([16, 28, 28, 1], generator: random);
        if (kind is "mlp" or "lstm" or "gru") x = x.Reshape(16, 28, 28);
        var labels = new float[16];
        for (int i = 0; i < labels.Length; i++) labels[i] = i % 10;
        var y = Tensor.FromArray(labels, 16);
        model.Fit(x, y, batchSize: 8, epochs: 1, verbose: 0, seed: 3);

        var before = model.Predict(x, verbose: 0).ToArray();
        model.Save(path);
        bytes = new FileInfo(path).Length;
        var loaded = Model.Load(path);
        var after = loaded.Predict(x, verbose: 0).ToArray();
        for (int i = 0; i < before.Length; i++)
            if (BitConverter.SingleToInt32Bits(before[i]) != BitConverter.SingleToInt32Bits(after[i]))
                return $"output {i} was {before[i]:R} before saving and {after[i]:R} after loading";
        string compiled = $"{model.Optimizer?.Name}/{model.Loss?.Name}", reloaded = $"{loaded.Optimizer?.Name ?? "none"}/{loaded.Loss?.Name ?? "none"}";
        if (compiled != reloaded) return $"compiled with {compiled} but reloaded with {reloaded}";
        // A Keras archive too, on the .NET runtime; a NativeAOT binary must refuse it with a message (its HDF5 library needs
        // run-time code), not fail inside.
        string kerasPath = Path.ChangeExtension(path, ".keras");
        if (System.Runtime.CompilerServices.RuntimeFeature.IsDynamicCodeSupported)
        {
            model.SaveKeras(kerasPath);
            var fromKeras = Model.LoadKeras(kerasPath).Predict(x, verbose: 0).ToArray();
            for (int i = 0; i < before.Length; i++)
                if (BitConverter.SingleToInt32Bits(before[i]) != BitConverter.SingleToInt32Bits(fromKeras[i]))
                    return $"output {i} was {before[i]:R} before saving and {fromKeras[i]:R} after loading the .keras archive";
        }
        else
        {
            try
            {
                model.SaveKeras(kerasPath);
                return "SaveKeras did not refuse to run in a NativeAOT binary";
            }
            catch (NotSupportedException e) when (e.Message.Contains("NativeAOT", StringComparison.Ordinal))
            {
            }
        }
        var loss = loaded.Fit(x, y, batchSize: 8, epochs: 1, verbose: 0, seed: 3)["loss"][0];
        return double.IsFinite(loss) ? null : $"training the reloaded model gave a loss of {loss}";
    }

    /// <summary>Image → (Conv2D → pooling → Flatten) beside (Flatten → Dense), concatenated, batch-normalized, then Dense(10).</summary>
    private static Model TwoBranches()
    {
        var image = new Input([28, 28, 1], name: "image");
        var convolved = new Flatten(name: "conv_flat").Call(new MaxPooling2D(2, name: "pool").Call(
            new Conv2D(8, 3, activation: "relu", name: "conv").Call(image)));
        var dense = new Dense(32, activation: "relu", name: "dense").Call(new Flatten(name: "flat").Call(image));
        var joined = new BatchNormalization(name: "bn").Call(new Concatenate(name: "concat").Call([convolved, dense]));
        var outputs = new Dense(10, activation: "softmax", name: "classes").Call(new Dropout(0.2, name: "drop").Call(joined));
        return new Model(image, outputs, name: "two_branches");
    }
}
