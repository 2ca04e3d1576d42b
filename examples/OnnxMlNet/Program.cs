// Train in DeepSharp, export to ONNX, score the file in ML.NET (Microsoft.ML + Microsoft.ML.OnnxTransformer).
// Run: dotnet run -c Release --project examples/OnnxMlNet [epochs]
using DeepSharp;
using Microsoft.ML;
using Microsoft.ML.Data;

int epochs = args.Length > 0 ? int.Parse(args[0]) : 3;
var (train, test) = Datasets.FashionMnist.Load();            // pixels scaled to [0, 1]

// 1. DeepSharp: the seed MLP. Its ONNX input is called "input" (a Sequential without an Input layer), its output
//    after its last layer, here "probabilities".
var model = new Sequential(
    new Flatten(inputShape: [28, 28]),
    new Dense(128, activation: "relu"),
    new Dropout(0.2),
    new Dense(10, activation: "softmax", name: "probabilities"));
model.Compile(optimizer: new Adam(learningRate: 1e-3),
              loss: "sparse_categorical_crossentropy", metrics: ["accuracy"]);
model.Fit(train.X, train.Y, epochs: epochs, verbose: 2);
var (_, accuracy) = model.Evaluate(test.X, test.Y, verbose: 0);
model.SaveOnnx("fashion-mlp.onnx");                          // opset 17, any batch size: (batch, 28, 28) -> (batch, 10)

// 2. ML.NET: the test images as rows of 784 pixels, scored by the ONNX file. ML.NET runs one row at a time, so the
//    batch dimension is fixed at 1 for it.
var ml = new MLContext(seed: 0);
int count = test.Count;
var pixels = test.X.ToArray();
var rows = Enumerable.Range(0, count).Select(i => new Image { Pixels = pixels.AsSpan(i * 784, 784).ToArray() });
var data = ml.Data.LoadFromEnumerable(rows);
var pipeline = ml.Transforms.ApplyOnnxModel(
    outputColumnNames: ["probabilities"], inputColumnNames: ["input"], modelFile: "fashion-mlp.onnx",
    shapeDictionary: new Dictionary<string, int[]> { ["input"] = [1, 28, 28] }, gpuDeviceId: null, fallbackToCpu: false, recursionLimit: 100);
var scored = pipeline.Fit(data).Transform(data);
var scores = ml.Data.CreateEnumerable<Scores>(scored, reuseRowObject: false).Select(s => s.Probabilities).ToList();

// 3. The same model, two runtimes: the same classes, the same probabilities to float precision.
var expected = model.Predict(test.X).ToArray();
var labels = test.Y.ToArray();
int correct = 0;
float difference = 0f;
for (int i = 0; i < count; i++)
{
    var p = scores[i];
    if (Array.IndexOf(p, p.Max()) == (int)labels[i]) correct++;
    for (int c = 0; c < 10; c++) difference = MathF.Max(difference, MathF.Abs(p[c] - expected[i * 10 + c]));
}
Console.WriteLine($"DeepSharp test accuracy: {accuracy:0.0000}");
Console.WriteLine($"ML.NET    test accuracy: {(double)correct / count:0.0000} ({count} images scored by fashion-mlp.onnx)");
Console.WriteLine($"max |probability difference|, ML.NET vs DeepSharp: {difference:E2}");

/// <summary>One test image as ML.NET reads it: the ONNX input "input", 28×28 pixels.</summary>
internal sealed class Image
{
    [ColumnName("input"), VectorType(28, 28)]
    public float[] Pixels { get; set; } = [];
}

/// <summary>The ONNX output "probabilities" of one image.</summary>
internal sealed class Scores
{
    [ColumnName("probabilities"), VectorType(10)]
    public float[] Probabilities { get; set; } = [];
}
