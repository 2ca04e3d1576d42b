// The seed MLP on Fashion-MNIST, as the Keras tutorial writes it.
// Run: dotnet run -c Release --project examples/Mlp
using DeepSharp;
using DeepSharp.Plots;

var (train, test) = Datasets.FashionMnist.Load();            // pixels scaled to [0, 1]

var model = new Sequential(
    new Flatten(inputShape: [28, 28]),
    new Dense(128, activation: "relu"),
    new Dropout(0.2),
    new Dense(10, activation: "softmax"));
model.Compile(optimizer: new Adam(learningRate: 1e-3),
              loss: "sparse_categorical_crossentropy", metrics: ["accuracy"]);
model.Summary();

var history = model.Fit(train.X, train.Y, epochs: 10, validationSplit: 0.1);

var (loss, accuracy) = model.Evaluate(test.X, test.Y);
Console.WriteLine($"Test loss: {loss:0.0000} - test accuracy: {accuracy:0.0000}");

history.Plot("curves.png");
model.Save("fashion-mlp.dsm");
