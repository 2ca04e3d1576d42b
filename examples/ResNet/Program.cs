// A small residual network on Fashion-MNIST, written with the functional API as in Keras:
// residual blocks of Conv2D + BatchNormalization + ReLU joined by Add, strided downsampling, global average pooling.
// Run: dotnet run -c Release --project examples/ResNet
using DeepSharp;
using DeepSharp.Plots;

var (train, test) = Datasets.FashionMnist.Load();            // pixels scaled to [0, 1]
var trainX = train.X.Reshape(-1, 28, 28, 1);                 // Conv2D wants a channel axis: NHWC
var testX = test.X.Reshape(-1, 28, 28, 1);

SymbolicTensor ConvBn(SymbolicTensor x, int filters, int strides = 1) =>
    new BatchNormalization().Call(new Conv2D(filters, 3, strides: strides, padding: "same", useBias: false).Call(x));

SymbolicTensor ResidualBlock(SymbolicTensor x, int filters)
{
    var y = new Activation("relu").Call(ConvBn(x, filters, strides: 2));
    y = ConvBn(y, filters);
    // The shortcut changes shape as the block does: a strided 1x1 convolution.
    var shortcut = new BatchNormalization().Call(new Conv2D(filters, 1, strides: 2, useBias: false).Call(x));
    return new Activation("relu").Call(new Add().Call([y, shortcut]));
}

var inputs = new Input([28, 28, 1]);
var x = new Activation("relu").Call(ConvBn(inputs.Output, 32));   // 28x28x32
x = ResidualBlock(x, 64);                                          // 14x14x64
x = ResidualBlock(x, 128);                                         // 7x7x128
x = new GlobalAveragePooling2D().Call(x);
var outputs = new Dense(10, activation: "softmax").Call(x);
var model = new Model(inputs.Output, outputs);

// AdamW; the rate rises over the first epoch to 2e-3, then falls along a cosine to 0.
const int epochs = 20, batchSize = 128;
int stepsPerEpoch = (trainX.Shape[0] + batchSize - 1) / batchSize;
var schedule = new CosineDecay(0, decaySteps: (epochs - 1) * stepsPerEpoch, warmupTarget: 2e-3, warmupSteps: stepsPerEpoch);
model.Compile(optimizer: new AdamW(learningRate: schedule, weightDecay: 0.05f),
              loss: "sparse_categorical_crossentropy", metrics: ["accuracy"]);
model.Summary();

// Small rotations, shifts and zooms: Fashion-MNIST's garments are centred and fill the image.
var datagen = new ImageDataGenerator(rotationRange: 5, widthShiftRange: 0.05, heightShiftRange: 0.05,
                                     shearRange: 0.1, zoomRange: (0.95, 1.05));
using var flow = datagen.Flow(trainX, train.Y, batchSize: batchSize, seed: 42);
var history = model.Fit(flow, epochs: epochs, validationData: (testX, test.Y));

var (loss, accuracy) = model.Evaluate(testX, test.Y);
Console.WriteLine($"Test loss: {loss:0.0000} - test accuracy: {accuracy:0.0000}");

history.PlotAccuracy("accuracy.png");                        // training against validation accuracy per epoch
model.Save("fashion-resnet.dsm");
model.SaveOnnx("fashion-resnet.onnx");
