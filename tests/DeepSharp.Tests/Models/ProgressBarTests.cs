namespace DeepSharp.Tests.Models;

public class ProgressBarTests
{
    [Fact]
    public void Without_a_terminal_it_prints_one_keras_style_line_per_epoch()
    {
        var output = new StringWriter();
        var bar = new ProgressBar(100, verbose: 1, output: output);
        Assert.False(bar.IsLive);
        for (int step = 1; step <= 100; step++) bar.Update(step, new Dictionary<string, double> { ["loss"] = 1.0 / step });
        bar.Finish(new Dictionary<string, double> { ["loss"] = 0.25, ["accuracy"] = 0.875, ["val_loss"] = 0.3 });
        var text = output.ToString();
        Assert.Single(text.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Matches(@"^100/100 - \d+s \d+(us|ms|s)/step - loss: 0\.2500 - accuracy: 0\.8750 - val_loss: 0\.3000\n$", text.Replace("\r", ""));
    }
}
