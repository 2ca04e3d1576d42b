using DeepSharp.Tests.TestSupport;

namespace DeepSharp.Tests.Models;

public class ProgressBarTests
{
    private static Dictionary<string, double> Loss(double loss) => new() { ["loss"] = loss };

    /// <summary>The frames a terminal would have shown: the text between carriage returns, trailing wipe-out spaces kept.</summary>
    private static string[] Frames(string text) => text.Split('\r', StringSplitOptions.RemoveEmptyEntries);

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

    [Fact]
    public void On_a_terminal_the_first_step_draws_at_once_whatever_the_clock_reads()
    {
        // The clock's origin is arbitrary (Stopwatch ticks since boot): a bar must draw its first step without
        // waiting for a tenth of a second to pass, however large or small the first reading.
        foreach (long start in new[] { 0L, 5L, long.MaxValue / 4, -1_000_000L })
        {
            var clock = new FakeClock(start);
            var output = new StringWriter();
            var bar = new ProgressBar(10, verbose: 1, output, isTerminal: true, clock);
            Assert.True(bar.IsLive);
            bar.Update(1, Loss(2.0));
            Assert.Equal("\r 1/10 [==>...........................] - ETA: 0s - 0us/step - loss: 2.0000", output.ToString());
        }
    }

    [Fact]
    public void On_a_terminal_it_redraws_one_line_at_most_ten_times_a_second_with_eta_and_time_per_step()
    {
        var clock = new FakeClock();
        var output = new StringWriter();
        var bar = new ProgressBar(100, verbose: 1, output, isTerminal: true, clock);
        for (int step = 1; step <= 100; step++)
        {
            clock.Advance(20);                      // 20 ms a step: 2 s for the epoch
            bar.Update(step, Loss(1.0 / step));
        }
        var text = output.ToString();
        Assert.DoesNotContain("\n", text);          // one line, redrawn in place
        var frames = Frames(text);
        // Drawn at step 1, then whenever 100 ms have passed (every 5 steps), and at the last step: 1, 6, ..., 96, 100.
        Assert.Equal(21, frames.Length);
        Assert.Equal("  6/100 [>.............................] - ETA: 2s - 20ms/step - loss: 0.1667", frames[1]);
        // Step 51 at 1.02 s: 0.02 s a step, 49 steps to go -> ETA 0.98 s, shown rounded.
        Assert.Equal(" 51/100 [==============>...............] - ETA: 1s - 20ms/step - loss: 0.0196", frames[10]);
        Assert.Equal("100/100 [==============================] - 2s 20ms/step - loss: 0.0100", frames[^1].TrimEnd());
    }

    [Fact]
    public void Updates_closer_than_a_tenth_of_a_second_are_not_drawn_but_the_last_step_always_is()
    {
        var clock = new FakeClock();
        var output = new StringWriter();
        var bar = new ProgressBar(1000, verbose: 1, output, isTerminal: true, clock);
        for (int step = 1; step <= 1000; step++)
        {
            clock.Advance(1);                       // 1 ms a step: 1000 steps in one second
            bar.Update(step, Loss(0.5));
        }
        var frames = Frames(output.ToString());
        Assert.InRange(frames.Length, 2, 12);        // about ten a second, plus the first and the last
        Assert.StartsWith("1000/1000 [==============================] - 1s 1ms/step", frames[^1]);
    }

    [Fact]
    public void The_eta_counts_down_as_the_clock_moves()
    {
        var clock = new FakeClock();
        var output = new StringWriter();
        var bar = new ProgressBar(10, verbose: 1, output, isTerminal: true, clock);
        clock.Advance(2000);
        bar.Update(1, Loss(1));                     // 2 s a step, 9 to go
        clock.Advance(2000 * 4);
        bar.Update(5, Loss(1));                     // 10 s for 5 steps, 5 to go
        var frames = Frames(output.ToString());
        Assert.Equal(2, frames.Length);
        Assert.Contains(" - ETA: 18s - 2s/step - ", frames[0]);
        Assert.Contains(" - ETA: 10s - 2s/step - ", frames[1]);
        clock.Advance(2000 * 50);
        bar.Update(6, Loss(1));                     // 110 s for 6 steps, 4 to go: more than a minute
        Assert.Contains(" - ETA: 1:13 - 18s/step - ", Frames(output.ToString())[^1]);
    }

    [Fact]
    public void Finish_on_a_terminal_redraws_the_line_with_the_validation_values_and_ends_it()
    {
        var clock = new FakeClock();
        var output = new StringWriter();
        var bar = new ProgressBar(4, verbose: 1, output, isTerminal: true, clock);
        for (int step = 1; step <= 4; step++)
        {
            clock.Advance(500);
            bar.Update(step, new Dictionary<string, double> { ["loss"] = 0.5, ["accuracy"] = 0.75 });
        }
        bar.Finish(new Dictionary<string, double> { ["loss"] = 0.5, ["accuracy"] = 0.75, ["val_loss"] = 0.625, ["val_accuracy"] = 0.7 });
        var text = output.ToString();
        Assert.EndsWith(
            "\r4/4 [==============================] - 2s 500ms/step - loss: 0.5000 - accuracy: 0.7500 - val_loss: 0.6250 - val_accuracy: 0.7000" +
            Environment.NewLine, text);
        Assert.Single(text.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    [Fact]
    public void A_shorter_frame_wipes_out_what_a_longer_one_left()
    {
        var clock = new FakeClock();
        var output = new StringWriter();
        var bar = new ProgressBar(10, verbose: 1, output, isTerminal: true, clock);
        clock.Advance(100);
        bar.Update(1, new Dictionary<string, double> { ["loss"] = 123456.0 });
        clock.Advance(100);
        bar.Update(2, new Dictionary<string, double> { ["loss"] = 1.0 });
        var frames = Frames(output.ToString());
        Assert.Equal(frames[0].Length, frames[1].Length);
        Assert.EndsWith("loss: 1.0000     ", frames[1]);   // "123456.0000" was 5 characters longer
    }

    [Fact]
    public void On_a_narrow_terminal_the_bar_shrinks_and_live_lines_never_wrap()
    {
        var clock = new FakeClock();
        var output = new StringWriter();
        var bar = new ProgressBar(1688, verbose: 1, output, isTerminal: true, clock, lineWidth: 80);
        var values = new Dictionary<string, double> { ["loss"] = 0.5512, ["accuracy"] = 0.8068 };
        for (int step = 1; step <= 1688; step++)
        {
            clock.Advance(2);
            bar.Update(step, values);
        }
        bar.Finish(new Dictionary<string, double>(values) { ["val_loss"] = 0.45, ["val_accuracy"] = 0.84 });
        var lines = output.ToString().Split(Environment.NewLine);
        var frames = Frames(lines[0]);
        Assert.True(frames.Length > 2);
        Assert.All(frames[..^1], frame => Assert.True(frame.TrimEnd().Length <= 79, $"{frame.TrimEnd().Length} columns: '{frame}'"));
        Assert.Contains(frames[1..^1], frame => frame.Contains(" - ETA: ") && frame.Contains("ms/step"));
        // The last line keeps every value (it is the epoch's record), with the shortest bar.
        Assert.Equal("1688/1688 [==========] - 3s 2ms/step - loss: 0.5512 - accuracy: 0.8068 - val_loss: 0.4500 - val_accuracy: 0.8400", frames[^1].TrimEnd());
    }

    [Fact]
    public void Verbose_two_prints_one_line_per_epoch_even_on_a_terminal()
    {
        var clock = new FakeClock();
        var output = new StringWriter();
        var bar = new ProgressBar(50, verbose: 2, output, isTerminal: true, clock);
        Assert.False(bar.IsLive);
        for (int step = 1; step <= 50; step++)
        {
            clock.Advance(20);
            bar.Update(step, Loss(0.1));
        }
        bar.Finish(Loss(0.1));
        Assert.Equal("50/50 - 1s 20ms/step - loss: 0.1000" + Environment.NewLine, output.ToString());
    }

    [Fact]
    public void Verbose_zero_prints_nothing()
    {
        var output = new StringWriter();
        var bar = new ProgressBar(5, verbose: 0, output, isTerminal: true, new FakeClock());
        for (int step = 1; step <= 5; step++) bar.Update(step, Loss(1));
        bar.Finish(Loss(1));
        Assert.Equal("", output.ToString());
    }

    [Fact]
    public void Small_values_are_written_in_scientific_notation()
    {
        var output = new StringWriter();
        var bar = new ProgressBar(1, verbose: 2, output, isTerminal: false, new FakeClock());
        bar.Finish(new Dictionary<string, double> { ["loss"] = 0.00012345, ["mae"] = 0 });
        Assert.EndsWith("loss: 1.2345e-4 - mae: 0.0000" + Environment.NewLine, output.ToString());
    }

    [Fact]
    public void Bad_arguments_name_themselves()
    {
        var output = new StringWriter();
        Assert.Equal("totalSteps", Assert.Throws<ArgumentOutOfRangeException>(() => new ProgressBar(-1, 1, output, true)).ParamName);
        Assert.Equal("verbose", Assert.Throws<ArgumentOutOfRangeException>(() => new ProgressBar(10, 3, output, true)).ParamName);
        Assert.Equal("lineWidth", Assert.Throws<ArgumentOutOfRangeException>(() => new ProgressBar(10, 1, output, true, lineWidth: -5)).ParamName);
        Assert.Throws<ArgumentNullException>(() => new ProgressBar(10, 1, null!, true));
    }

    [Fact]
    public void A_redirect_sends_the_bars_made_without_a_writer_to_its_writer_until_disposed()
    {
        var output = new StringWriter();
        var clock = new FakeClock();
        using (ProgressBar.RedirectTo(output, isTerminal: true, clock, lineWidth: 60))
        {
            var bar = new ProgressBar(10);
            Assert.True(bar.IsLive);
            bar.Update(1, Loss(2.0));
            clock.Advance(1000);
            bar.Update(2, Loss(1.0));
            var frames = Frames(output.ToString());
            Assert.Equal(2, frames.Length);
            Assert.StartsWith(" 1/10 [", frames[0]);
            Assert.StartsWith(" 2/10 [", frames[1]);
            Assert.EndsWith("] - ETA: 4s - 500ms/step - loss: 1.0000", frames[1]);
            Assert.All(frames, f => Assert.True(f.Length < 60, f));
            // A writer given to the bar still wins, and is not a terminal.
            Assert.False(new ProgressBar(10, 1, new StringWriter()).IsLive);
        }
        int length = output.ToString().Length;
        new ProgressBar(3, verbose: 2).Finish(Loss(1));
        Assert.Equal(length, output.ToString().Length);
    }

    [Fact]
    public void Redirects_nest_and_a_bad_redirect_names_its_argument()
    {
        var outer = new StringWriter();
        var inner = new StringWriter();
        using (ProgressBar.RedirectTo(outer, isTerminal: false))
        {
            using (ProgressBar.RedirectTo(inner, isTerminal: false)) new ProgressBar(1, verbose: 2).Finish(Loss(1));
            new ProgressBar(2, verbose: 2).Finish(Loss(1));
        }
        Assert.StartsWith("1/1 - ", inner.ToString());
        Assert.StartsWith("2/2 - ", outer.ToString());
        Assert.Throws<ArgumentNullException>(() => ProgressBar.RedirectTo(null!, true));
        Assert.Equal("lineWidth", Assert.Throws<ArgumentOutOfRangeException>(() => ProgressBar.RedirectTo(outer, true, lineWidth: -1)).ParamName);
    }
}
