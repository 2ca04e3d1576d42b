namespace DeepSharp.Tests.Models;

public class TrainOnBatchTests
{
    [Fact]
    public void TrainOnBatch_takes_one_step_and_TestOnBatch_takes_none()
    {
        var model = new Sequential(new Dense(1, kernelInitializer: "zeros", inputShape: [1]));
        model.Compile(new SGD(learningRate: 0.05f), "mse");
        var x = Tensor.FromArray([1f, 2f], 2, 1);
        var y = Tensor.FromArray([2f, 4f], 2, 1);
        var before = model.TestOnBatch(x, y)["loss"];
        Assert.Equal(10.0, before, 5);          // (4 + 16) / 2
        Assert.Equal(before, model.TestOnBatch(x, y)["loss"], 10);
        var trained = model.TrainOnBatch(x, y)["loss"];
        Assert.Equal(10.0, trained, 5);         // the loss before the step
        Assert.True(model.TestOnBatch(x, y)["loss"] < before);
    }

    [Fact]
    public void Steady_state_training_steps_allocate_almost_nothing()
    {
        var model = new Sequential(new Flatten(inputShape: [28, 28]), new Dense(128, activation: "relu"), new Dropout(0.2), new Dense(10, activation: "softmax"));
        model.Compile(new Adam(), "sparse_categorical_crossentropy", ["accuracy"]);
        var x = Tensor.RandomUniform([32, 28, 28], generator: new RandomGenerator(1));
        var y = Tensor.FromArray(Enumerable.Range(0, 32).Select(i => (float)(i % 10)).ToArray());
        for (int i = 0; i < 50; i++) model.TrainOnBatch(x, y);
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 100; i++) model.TrainOnBatch(x, y);
        long perStep = (GC.GetAllocatedBytesForCurrentThread() - before) / 100;
        Assert.True(perStep < 1024, $"{perStep} bytes per step");
    }
}
