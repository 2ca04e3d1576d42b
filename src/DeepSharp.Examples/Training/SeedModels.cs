namespace DeepSharp.Examples;

/// <summary>
/// The seed architectures, built in one place so the examples, the GAN's sample classifier and the benchmarks
/// train the same models.
/// </summary>
public static class SeedModels
{
    /// <summary>Flatten → Dense(128, relu) → Dropout(0.2) → Dense(classes, softmax), uncompiled.</summary>
    public static Sequential Mlp(int classes = 10) => new(
        new Flatten(inputShape: [28, 28]),
        new Dense(128, activation: "relu"),
        new Dropout(0.2),
        new Dense(classes, activation: "softmax"));

    /// <summary>
    /// Conv2D(32, 3×3, relu) → MaxPooling2D(2) → Conv2D(64, 3×3, relu) → MaxPooling2D(2) → Flatten →
    /// Dense(128, relu) → Dense(classes, softmax) on 28×28×1 images, uncompiled.
    /// </summary>
    public static Sequential Cnn(int classes = 10) => new(
        new Conv2D(32, 3, activation: "relu", inputShape: [28, 28, 1]),
        new MaxPooling2D(2),
        new Conv2D(64, 3, activation: "relu"),
        new MaxPooling2D(2),
        new Flatten(),
        new Dense(128, activation: "relu"),
        new Dense(classes, activation: "softmax"));

    /// <summary>
    /// The seed CNN, or with <paramref name="batchNorm"/> its batch-normalized variant: each Conv2D and the
    /// Dense(128) without bias (the normalization's beta replaces it), followed by BatchNormalization and then
    /// the relu, as the "2 Conv + pooling + BN" row of Fashion-MNIST's benchmark. Uncompiled.
    /// </summary>
    public static Sequential Cnn(int classes, bool batchNorm)
    {
        if (!batchNorm) return Cnn(classes);
        return new Sequential(
            new Conv2D(32, 3, useBias: false, inputShape: [28, 28, 1]),
            new BatchNormalization(),
            new Activation("relu"),
            new MaxPooling2D(2),
            new Conv2D(64, 3, useBias: false),
            new BatchNormalization(),
            new Activation("relu"),
            new MaxPooling2D(2),
            new Flatten(),
            new Dense(128, useBias: false),
            new BatchNormalization(),
            new Activation("relu"),
            new Dense(classes, activation: "softmax"));
    }

    /// <summary>
    /// Image rows as a sequence: LSTM(64, returnSequences) → LSTM(64) → Dense(classes, softmax) on 28 steps of 28
    /// features, uncompiled; <paramref name="gru"/> uses GRU cells instead.
    /// </summary>
    public static Sequential RowLstm(int classes = 10, bool gru = false) => gru
        ? new(new GRU(64, returnSequences: true, inputShape: [28, 28]), new GRU(64), new Dense(classes, activation: "softmax"))
        : new(new LSTM(64, returnSequences: true, inputShape: [28, 28]), new LSTM(64), new Dense(classes, activation: "softmax"));
    /// <summary>Side of the square patches <see cref="Vit"/> cuts a 28×28 image into (4×4 = 16 patches).</summary>
    public const int VitPatch = 7;

    /// <summary>Features per patch token of <see cref="Vit"/>.</summary>
    public const int VitFeatures = 64;

    /// <summary>Attention heads of <see cref="Vit"/> (each of VitFeatures / VitHeads features).</summary>
    public const int VitHeads = 4;

    /// <summary>Transformer blocks of <see cref="Vit"/>.</summary>
    public const int VitBlocks = 4;

    /// <summary>
    /// A small Vision Transformer on 28×28 images, uncompiled: each 7×7 patch becomes a token of
    /// <paramref name="features"/> (a Conv2D whose kernel and strides are the patch: the same linear map as flattening
    /// every patch and applying one Dense), plus a learned <see cref="PositionEmbedding"/>; then
    /// <paramref name="blocks"/> pre-norm blocks x += MultiHeadAttention(LayerNormalization(x)),
    /// x += Dense(features)(Dense(2·features, gelu)(LayerNormalization(x))); then LayerNormalization, the mean over the
    /// patches and Dense(classes, softmax).
    /// </summary>
    public static Model Vit(int classes = 10, int blocks = VitBlocks, int features = VitFeatures)
    {
        int side = 28 / VitPatch, tokens = side * side;
        var image = new Input([28, 28], name: "image");
        var patches = new Conv2D(features, VitPatch, strides: VitPatch, name: "patch_embedding").Call(new Reshape([28, 28, 1]).Call(image));
        var x = new Reshape([tokens, features]).Call(patches);
        x = new Add().Call([x, new PositionEmbedding(tokens).Call(x)]);
        for (int b = 0; b < blocks; b++)
        {
            var normed = new LayerNormalization(epsilon: 1e-6f).Call(x);
            var attended = new MultiHeadAttention(VitHeads, features / VitHeads).Call([normed, normed]);
            x = new Add().Call([x, attended]);
            normed = new LayerNormalization(epsilon: 1e-6f).Call(x);
            var hidden = new Dense(2 * features, activation: "gelu").Call(normed);
            x = new Add().Call([x, new Dense(features).Call(hidden)]);
        }
        x = new GlobalAveragePooling1D().Call(new LayerNormalization(epsilon: 1e-6f).Call(x));
        return new Model([image], [new Dense(classes, activation: "softmax").Call(x)], name: "vit");
    }
}
