namespace DeepSharp.Tests.Autograd;

/// <summary>
/// The gradient checker itself: right gradients pass, and wrong ones — scaled, sign-flipped in one element,
/// missing, or slightly off — are reported with the input and element where they are worst.
/// </summary>
public class GradientCheckerTests
{
    private static Tensor Input(int seed, params int[] shape) =>
        Tensor.RandomUniform(shape, 0.5f, 1.5f, new RandomGenerator(seed)).WithRequiresGrad();

    /// <summary>x², recorded with a backward rule that <paramref name="corrupt"/> may spoil.</summary>
    private static Tensor SquareWith(Tensor x, Action<Tensor> corrupt)
    {
        Tensor y;
        using (DeepSharp.Autograd.NoGrad()) y = x * x;
        Node.Record("test_square", (n, g) =>
        {
            var grad = g * n.A! * 2f;
            corrupt(grad);
            GradientEngine.Accumulate(n.A!, grad);
        }, y, x);
        return y;
    }

    private static void Scale(Tensor t, float factor)
    {
        for (int i = 0; i < t.Shape[0]; i++)
            for (int j = 0; j < t.Shape[1]; j++) t[i, j] *= factor;
    }

    [Fact]
    public void Right_gradients_pass()
    {
        var x = Input(1, 3, 4);
        var result = GradientChecker.Check(t => SquareWith(t[0], _ => { }), [x]);
        Assert.True(result.Passed, result.ToString());
        Assert.StartsWith("passed", result.ToString());
        var a = Input(2, 3, 4);
        var b = Input(3, 4, 2);
        var product = GradientChecker.Check(t => (t[0].MatMul(t[1]) * t[0].Sum(1, keepDims: true) * 0.1f).Exp(), [a, b]);
        Assert.True(product.Passed, product.ToString());
        Assert.True(product.MaxError <= 1);
    }

    [Fact]
    public void A_gradient_scaled_by_point_nine_fails()
    {
        var x = Input(4, 3, 4);
        var result = GradientChecker.Check(t => SquareWith(t[0], g => Scale(g, 0.9f)), [x]);
        Assert.False(result.Passed);
        Assert.True(result.MaxError > 10, result.ToString());
        Assert.Equal(0.9, result.Analytic / result.Numeric, 3);
    }

    [Fact]
    public void A_wrong_sign_in_one_element_fails_naming_the_input_and_element()
    {
        var constant = Tensor.Ones(3, 4);
        var x = Input(5, 3, 4);
        var result = GradientChecker.Check(t => t[0] + SquareWith(t[1], g => g[1, 2] = -g[1, 2]), [constant, x]);
        Assert.False(result.Passed);
        Assert.Equal(1, result.Input);
        Assert.Equal(1 * 4 + 2, result.Index);
        Assert.Equal(-result.Numeric, result.Analytic, 4);
        string message = result.ToString();
        Assert.StartsWith("FAILED", message);
        Assert.Contains("input 1", message);
        Assert.Contains("(3, 4)", message);
        Assert.Contains("element 6 [1, 2]", message);
    }

    [Fact]
    public void A_detached_factor_loses_half_the_gradient_and_fails()
    {
        var x = Input(6, 5);
        var result = GradientChecker.Check(t => t[0] * t[0].Detach(), [x]);
        Assert.False(result.Passed);
        Assert.Equal(0.5, result.Analytic / result.Numeric, 3);
        Assert.Contains("input 0 of shape (5,)", result.ToString());
    }

    [Fact]
    public void A_gradient_one_percent_off_in_one_element_fails()
    {
        // The old tolerance (2e-2 absolute + 2e-2 relative) let this pass; with x in [5, 15) the gradient
        // 2x·w is large enough that the relative tolerance (0.1%) decides.
        var x = (Input(7, 2, 3) * 10f).Detach().WithRequiresGrad();
        var result = GradientChecker.Check(t => SquareWith(t[0], g => g[0, 1] *= 1.01f), [x]);
        Assert.False(result.Passed, result.ToString());
        Assert.Equal(1, result.Index);
    }

    [Fact]
    public void A_small_gradient_off_by_its_own_size_fails()
    {
        // Gradients of at most 0.003 (0.001·x² at x < 1.5): an error of 0.002 is far below the old 2e-2 absolute
        // tolerance but twice the 1e-3 one.
        var x = Input(8, 4);
        var result = GradientChecker.Check(t => SquareWith(t[0], g => g[0] += 0.002f) * 0.001f, [x]);
        Assert.False(result.Passed, result.ToString());
        Assert.Equal(0, result.Index);
    }

    [Fact]
    public void A_gradient_that_never_reaches_an_input_fails_at_that_input()
    {
        var a = Input(9, 3);
        var b = Input(10, 3);
        var result = GradientChecker.Check(t => t[0].Detach() * t[1] + t[1], [a, b]);
        Assert.False(result.Passed);
        Assert.Equal(0, result.Input);
        Assert.Equal(0, result.Analytic);
    }

    [Fact]
    public void Inputs_are_restored_after_the_check()
    {
        var x = Input(11, 2, 3);
        var before = x.ToArray();
        GradientChecker.Check(t => (t[0] * t[0]).Sum(), [x]);
        Assert.Equal(before, x.ToArray());
    }

    [Fact]
    public void Nothing_to_check_and_bad_settings_are_refused()
    {
        var constant = Tensor.Ones(2);
        var e = Assert.Throws<ArgumentException>(() => GradientChecker.Check(t => t[0] * 2f, [constant]));
        Assert.Contains("RequiresGrad", e.Message);
        var x = Input(12, 2);
        var e2 = Assert.Throws<ArgumentOutOfRangeException>(() => GradientChecker.Check(t => t[0] * 2f, [x], epsilon: 0f));
        Assert.Contains("epsilon", e2.Message);
        var e3 = Assert.Throws<ArgumentOutOfRangeException>(() =>
            GradientChecker.Check(t => t[0] * 2f, [x], absoluteTolerance: 0, relativeTolerance: 0));
        Assert.Contains("tolerances", e3.Message);
    }

    [Fact]
    public void A_kink_within_two_steps_does_not_fail_a_right_gradient()
    {
        // 0.015 and -0.012 lie within 2h = 0.02 of relu's and abs's kinks: D(2h) straddles them, so the checker
        // must shrink its step there rather than report the kink as an error.
        var x = Tensor.FromArray([0.015f, -0.012f, 0.5f, -0.7f]).WithRequiresGrad();
        var relu = GradientChecker.Check(t => t[0].Relu() * 3f, [x]);
        Assert.True(relu.Passed, relu.ToString());
        var abs = GradientChecker.Check(t => t[0].Abs() * 2f + t[0], [x]);
        Assert.True(abs.Passed, abs.ToString());
    }

    [Fact]
    public void A_wrong_gradient_near_a_kink_still_fails()
    {
        var x = Tensor.FromArray([0.015f, 0.5f]).WithRequiresGrad();
        var result = GradientChecker.Check(t => SquareWith(t[0].Relu() + 1f, g => g[0] *= 0.9f), [x]);
        Assert.False(result.Passed, result.ToString());
        Assert.Equal(0, result.Index);
    }
}

