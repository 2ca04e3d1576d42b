using DeepSharp.Tests.TestSupport;

namespace DeepSharp.Tests.Models;

/// <summary>
/// Fit, Evaluate and Predict show Keras' progress bar: live on a terminal (redrawn with an ETA while the batches run),
/// one line without one, nothing with verbose 0. A redirected fake console and a clock that moves at every reading
/// stand in for the terminal and the time.
/// </summary>
public class TrainerProgressTests
{
    private static (Sequential Model, Tensor X, Tensor Y) Classifier()
    {
        RandomGenerator.SetSeed(5);
        var model = new Sequential(new Dense(8, activation: "relu", inputShape: [4]), new Dense(3, activation: "softmax"));
        model.Compile("adam", "sparse_categorical_crossentropy", ["accuracy"]);
        var x = Tensor.RandomNormal([100, 4], generator: new RandomGenerator(6));
        var labels = new float[100];
        for (int i = 0; i < labels.Length; i++) labels[i] = i % 3;
        return (model, x, Tensor.FromArray(labels, 100));
    }

    private static string Captured(Action run, bool isTerminal = true)
    {
        var output = new StringWriter();
        using (ProgressBar.RedirectTo(output, isTerminal, new FakeClock(stepPerReading: 60)))
            run();
        return output.ToString();
    }

    [Fact]
    public void Evaluate_redraws_a_live_bar_with_eta_loss_and_accuracy_then_ends_its_line()
    {
        var (model, x, y) = Classifier();
        var text = Captured(() => model.Evaluate(x, y, batchSize: 10));
        var frames = FakeClock.Frames(text);
        Assert.True(frames.Length >= 4, text);                           // 10 steps 60 ms apart: a redraw every other step
        Assert.Matches(@"^ 1/10 \[=*>\.+\] - ETA: \ds - \d+ms/step - loss: \d\.\d{4} - accuracy: \d\.\d{4}$", frames[0]);
        Assert.Contains(frames[1..^1], f => f.Contains("ETA: "));
        Assert.Matches(@"^10/10 \[=+\] - \ds \d+ms/step - loss: \d\.\d{4} - accuracy: \d\.\d{4}$", frames[^1]);
        Assert.EndsWith("\n", text);
        Assert.Single(text.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    [Fact]
    public void Predict_shows_a_bar_by_default_as_keras_does_and_nothing_with_verbose_zero()
    {
        var (model, x, _) = Classifier();
        var text = Captured(() => model.Predict(x, batchSize: 25));
        var frames = FakeClock.Frames(text);
        Assert.Matches(@"^1/4 \[=*>\.+\] - ETA: \ds - \d+ms/step$", frames[0]);
        Assert.Matches(@"^4/4 \[=+\] - \ds \d+ms/step$", frames[^1]);
        Assert.EndsWith("\n", text);
        Assert.Equal("", Captured(() => model.Predict(x, batchSize: 25, verbose: 0)));
        Assert.Matches(@"^4/4 - \ds \d+ms/step\r?\n$", Captured(() => model.Predict(x, batchSize: 25), isTerminal: false));
        Assert.Equal("verbose", Assert.Throws<ArgumentOutOfRangeException>(() => model.Predict(x, verbose: 3)).ParamName);
        Assert.Equal("verbose", Assert.Throws<ArgumentOutOfRangeException>(() => model.Evaluate(x, Tensor.Zeros(100), verbose: -1)).ParamName);
    }

    [Fact]
    public void A_functional_model_with_several_inputs_shows_the_bar_too()
    {
        var a = new Input([2], name: "progress_a");
        var b = new Input([3], name: "progress_b");
        var model = new Model([a, b], [new Dense(1, name: "progress_out").Call(new Concatenate(name: "progress_cat").Call([a, b]))]);
        var text = Captured(() => model.Predict([Tensor.Zeros(30, 2), Tensor.Zeros(30, 3)], batchSize: 10));
        Assert.Matches(@"^3/3 \[=+\] - \ds \d+ms/step$", FakeClock.Frames(text)[^1]);
        Assert.Equal("", Captured(() => model.Predict([Tensor.Zeros(30, 2), Tensor.Zeros(30, 3)], verbose: 0)));
    }

    [Fact]
    public void Fit_writes_its_epoch_lines_and_bars_where_the_progress_was_redirected()
    {
        var (model, x, y) = Classifier();
        var text = Captured(() => model.Fit(x, y, batchSize: 10, epochs: 2, seed: 1), isTerminal: false);
        var lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(4, lines.Length);
        Assert.Equal("Epoch 1/2", lines[0].TrimEnd('\r'));
        Assert.Matches(@"^10/10 - \ds \d+ms/step - loss: \d\.\d{4} - accuracy: \d\.\d{4}", lines[1]);
        Assert.Equal("Epoch 2/2", lines[2].TrimEnd('\r'));
    }
}
