using DeepSharp.Examples;
using DeepSharp.Tests.Data;
using DeepSharp.Tests.TestSupport;

namespace DeepSharp.Tests.Examples.Training;

using Ops = global::DeepSharp.Ops;

/// <summary>
/// The seed classifiers train to the same bits with one kernel thread and with two: losses and metrics of every epoch,
/// the test evaluation and every weight (DESIGN.md: reductions are cut into chunks that do not depend on the workers).
/// </summary>
public class ThreadCountTests
{
    private const int Images = 320;

    private static readonly Lazy<(DatasetSplit Train, DatasetSplit Test)> Data = new(() =>
    {
        var (train, test) = Datasets.FashionMnist.Load(SharedData.Directory);
        return (new DatasetSplit(Ops.Slice(train.X, 0, 0, Images), Ops.Slice(train.Y, 0, 0, Images)),
            new DatasetSplit(Ops.Slice(test.X, 0, 0, Images), Ops.Slice(test.Y, 0, 0, Images)));
    });

    [Theory]
    [InlineData("mlp")]
    [InlineData("cnn")]
    [InlineData("cnn-batch-norm")]
    [InlineData("cnn-augment")]
    [InlineData("cnn-augment-batch-norm")]
    [InlineData("lstm")]
    [InlineData("gru")]
    public void A_seed_model_trains_to_the_same_bits_with_one_and_two_threads(string name)
    {
        var (train, test) = Data.Value;
        ThreadCounts.SameBits(name, () =>
        {
            var example = Example(name);
            RandomGenerator.SetSeed(42);
            var options = new TrainingOptions
            {
                Dataset = "fashion-mnist", Epochs = 2, BatchSize = example.DefaultBatchSize, OutputDirectory = "unused", Seed = 42,
                Threads = Parallelism.Threads, Verbose = 0,
            };
            var model = example.BuildModel(10);
            var x = example.PrepareInputs(train.X);
            var testX = example.PrepareInputs(test.X);
            var history = example.Train(model, x, train.Y, testX, test.Y, options);
            var result = model.Evaluate(testX, test.Y, batchSize: 256, verbose: 0);
            var values = history.Keys.SelectMany(key => history[key]).Append(result.Loss).Append(result.Values[1].Value);
            Assert.All(values, value => Assert.True(double.IsFinite(value), $"{name}: a value {value}"));
            // Each double's 64 bits as two floats' 32, so that a difference in any bit shows.
            var bits = values.Select(BitConverter.DoubleToInt64Bits)
                .SelectMany(b => new[] { BitConverter.Int32BitsToSingle((int)b), BitConverter.Int32BitsToSingle((int)(b >> 32)) }).ToArray();
            return [bits, .. model.GetWeights()];
        }, 1, 2);
    }

    private static ClassifierExample Example(string name) => name switch
    {
        "mlp" => new MlpExample(),
        "cnn" => new CnnExample(),
        "cnn-batch-norm" => new CnnExample { BatchNorm = true },
        "cnn-augment" => new CnnExample { Augmentation = CnnAugmentation.Default() },
        "cnn-augment-batch-norm" => new CnnExample { Augmentation = CnnAugmentation.Default(), BatchNorm = true },
        "lstm" => new LstmExample(),
        _ => new GruExample(),
    };
}
