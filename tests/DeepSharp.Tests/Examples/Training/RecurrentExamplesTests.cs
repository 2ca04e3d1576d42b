using DeepSharp.Examples;

namespace DeepSharp.Tests.Examples.Training;

/// <summary>The lstm and gru examples build the model the issue asks for.</summary>
public class RecurrentExamplesTests
{
    [Theory]
    [InlineData("lstm", 23_808L, 33_024L)]
    [InlineData("gru", 18_048L, 24_960L)]
    public void Examples_build_the_stacked_row_model(string name, long first, long second)
    {
        ClassifierExample example = name == "lstm" ? new LstmExample() : new GruExample();
        Assert.Equal(name, example.Name);
        Assert.Equal(128, example.DefaultBatchSize);
        Assert.Equal(10, example.DefaultEpochs);
        var model = (Sequential)example.BuildModel(10);
        Assert.Equal([first, second, 650L], model.Layers.Select(l => l.CountParams()).ToArray());
        Assert.True(((RecurrentLayer)model.Layers[0]).ReturnSequences);
        Assert.False(((RecurrentLayer)model.Layers[1]).ReturnSequences);
        Assert.Equal(new TensorShape(10), model.ComputeOutputShape([28, 28]));
    }
}
