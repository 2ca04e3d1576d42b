// The seed CNN on Fashion-MNIST with on-the-fly augmentation, as the Keras tutorial writes it.
// Run: dotnet run -c Release --project examples/Cnn
using DeepSharp;
using DeepSharp.Plots;

var (train, test) = Datasets.FashionMnist.Load();            // pixels scaled to [0, 1]
var trainX = train.X.Reshape(-1, 28, 28, 1);                 // Conv2D wants a channel axis: NHWC
var testX = test.X.Reshape(-1, 28, 28, 1);

var model = new Sequential(
    new Conv2D(32, kernelSize: 3, activation: "relu", inputShape: [28, 28, 1]),
    new MaxPooling2D(poolSize: 2),
    new Conv2D(64, kernelSize: 3, activation: "relu"),
    new MaxPooling2D(poolSize: 2),
    new Flatten(),
    new Dense(128, activation: "relu"),
    new Dense(10, activation: "softmax"));
model.Compile(optimizer: new Adam(learningRate: 1e-3),
              loss: "sparse_categorical_crossentropy", metrics: ["accuracy"]);
model.Summary();

// Each epoch sees every image once, freshly rotated, shifted, sheared and zoomed.
var datagen = new ImageDataGenerator(rotationRange: 10, widthShiftRange: 0.1, heightShiftRange: 0.1,
                                     shearRange: 0.1, zoomRange: (0.9, 1.2));
using var flow = datagen.Flow(trainX, train.Y, batchSize: 32, seed: 42);
var history = model.Fit(flow, epochs: 15, validationData: (testX, test.Y));

var (loss, accuracy) = model.Evaluate(testX, test.Y);
Console.WriteLine($"Test loss: {loss:0.0000} - test accuracy: {accuracy:0.0000}");

history.PlotAccuracy("accuracy.png");                        // training against validation accuracy per epoch
model.Save("fashion-cnn.dsm");
