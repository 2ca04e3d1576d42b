// A small Vision Transformer on Fashion-MNIST, written with the functional API as a Keras user would write it.
// Run: dotnet run -c Release --project examples/Vit
using DeepSharp;
using DeepSharp.Plots;

const int patch = 7, tokens = 16, features = 64, heads = 4, blocks = 4, epochs = 10, batchSize = 128;

var (train, test) = Datasets.FashionMnist.Load();             // pixels scaled to [0, 1], images [N, 28, 28]

// Patches → Dense: a Conv2D whose kernel and strides are the patch applies one Dense to every flattened 7×7 patch.
var image = new Input([28, 28]);
var patches = new Conv2D(features, kernelSize: patch, strides: patch).Call(new Reshape([28, 28, 1]).Call(image));
var x = new Reshape([tokens, features]).Call(patches);
x = new Add().Call([x, new PositionEmbedding(tokens).Call(x)]);  // a learned embedding per patch position

for (int b = 0; b < blocks; b++)
{
    // Pre-norm transformer block: self-attention, then a two-layer MLP, each added to its input.
    var normed = new LayerNormalization(epsilon: 1e-6f).Call(x);
    x = new Add().Call([x, new MultiHeadAttention(numHeads: heads, keyDim: features / heads).Call([normed, normed])]);
    normed = new LayerNormalization(epsilon: 1e-6f).Call(x);
    var hidden = new Dense(2 * features, activation: "gelu").Call(normed);
    x = new Add().Call([x, new Dense(features).Call(hidden)]);
}
var pooled = new GlobalAveragePooling1D().Call(new LayerNormalization(epsilon: 1e-6f).Call(x));
var model = new Model(image, new Dense(10, activation: "softmax").Call(pooled));

// Adam: a linear warm-up over the first epoch, then a cosine decay to zero.
long stepsPerEpoch = (train.Count + batchSize - 1) / batchSize;
var schedule = new CosineDecay(0, decaySteps: (epochs - 1) * stepsPerEpoch, warmupTarget: 2e-3, warmupSteps: stepsPerEpoch);
model.Compile(optimizer: new Adam(learningRate: schedule), loss: "sparse_categorical_crossentropy", metrics: ["accuracy"]);
model.Summary();

var history = model.Fit(train.X, train.Y, batchSize: batchSize, epochs: epochs, validationData: (test.X, test.Y), seed: 42);
var (loss, accuracy) = model.Evaluate(test.X, test.Y);
Console.WriteLine($"Test loss: {loss:0.0000} - test accuracy: {accuracy:0.0000}");

history.PlotAccuracy("accuracy.png");
model.Save("fashion-vit.dsm");
