// A model from PyTorch, brought into DeepSharp and fine-tuned on Fashion-MNIST.
// Run: dotnet run -c Release --project examples/ImportPyTorch [model.onnx] [epochs]
//
// Any PyTorch classifier of 28×28 grayscale images will do. Export yours with
//     torch.onnx.export(model.eval(), torch.rand(1, 1, 28, 28), "model.onnx", input_names=["input"],
//                       output_names=["output"], dynamic_axes={"input": {0: "batch"}, "output": {0: "batch"}})
// Without an argument the example takes the MLP that tools/make_onnx_fixtures.py exported from PyTorch
// (Flatten, Linear(784, 128), ReLU, Linear(128, 10), Softmax; PyTorch's initial weights, never trained).
using DeepSharp;

var path = args.Length > 0 ? args[0] : Path.Combine(AppContext.BaseDirectory, "pytorch-mlp.onnx");
int epochs = args.Length > 1 ? int.Parse(args[1]) : 2;

// The ONNX graph becomes a functional Model: Gemm nodes are Dense layers, Conv nodes Conv2D layers, and a PyTorch
// convolution graph (NCHW) takes channels-last images (NHWC), as Keras models do.
var model = Model.LoadOnnx(path);
model.Summary();
var inputShape = model.InputShape!.Value;                    // (28, 28) for the MLP, (28, 28, 1) for a CNN
Console.WriteLine($"Imported {Path.GetFileName(path)}: input {Layer.FormatBatch(inputShape)}, layers {string.Join(", ", model.Layers.Select(l => l.ClassName))}");

var (train, test) = Datasets.FashionMnist.Load();
Tensor AsInput(Tensor images) => Ops.Reshape(images, [images.Shape[0], .. inputShape.Dims]);
var (trainX, testX) = (AsInput(train.X), AsInput(test.X));

// The file's initializers are trainable weights: compile and fit as with any model. A PyTorch classifier usually
// ends in logits (CrossEntropyLoss applies the softmax); this one ends in a softmax.
var first = model.Predict(Ops.Slice(testX, 0, 0, 1), verbose: 0).ToArray();
bool probabilities = first.All(v => v >= 0f) && MathF.Abs(first.Sum() - 1f) < 1e-3f;
model.Compile(new Adam(learningRate: 1e-3), new SparseCategoricalCrossentropy(fromLogits: !probabilities), ["accuracy"]);
var (lossBefore, accuracyBefore) = model.Evaluate(testX, test.Y, verbose: 0);
RandomGenerator.SetSeed(42);                                  // the shuffling, for the same figures on every run
model.Fit(trainX, train.Y, epochs: epochs, batchSize: 64, verbose: 2);
var (lossAfter, accuracyAfter) = model.Evaluate(testX, test.Y, verbose: 0);
Console.WriteLine($"Test loss {lossBefore:0.0000} -> {lossAfter:0.0000}, accuracy {accuracyBefore:0.0000} -> {accuracyAfter:0.0000}");

model.Save("fine-tuned.dsm");                                // DeepSharp's format: Model.Load, deepsharp predict/evaluate
model.SaveOnnx("fine-tuned.onnx");                           // back to ONNX, for ONNX Runtime or ML.NET (NHWC input)
