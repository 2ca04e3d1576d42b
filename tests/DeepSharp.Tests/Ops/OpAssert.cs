namespace DeepSharp.Tests.Ops;

/// <summary>Assertions shared by the op tests.</summary>
internal static class OpAssert
{
    /// <summary>Asserts that <paramref name="function"/>'s backward agrees with finite differences at <paramref name="inputs"/>.</summary>
    public static void GradientChecks(Func<Tensor[], Tensor> function, params Tensor[] inputs)
    {
        var result = GradientChecker.Check(function, inputs);
        Assert.True(result.Passed, result.ToString());
    }

    /// <summary>Asserts elementwise |actual - expected| ≤ absolute + relative·|expected|.</summary>
    public static void Close(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual, double relative = 1e-5, double absolute = 1e-6)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            double allowed = absolute + relative * Math.Abs(expected[i]);
            if (float.IsNaN(expected[i]) && float.IsNaN(actual[i])) continue;
            if (expected[i] == actual[i]) continue; // equal infinities
            Assert.True(Math.Abs(expected[i] - actual[i]) <= allowed,
                $"element {i}: expected {expected[i]:G9}, got {actual[i]:G9} (allowed difference {allowed:G3})");
        }
    }

    /// <summary>A tensor of values drawn uniformly from [low, high) that requires grad.</summary>
    public static Tensor Random(int seed, float low, float high, params int[] shape) =>
        Tensor.RandomUniform(shape, low, high, new RandomGenerator(seed)).WithRequiresGrad();

    /// <summary>A tensor of values drawn uniformly from [low, high) whose magnitude is at least <paramref name="gap"/> away from each kink.</summary>
    public static Tensor AwayFrom(int seed, float low, float high, float gap, float[] kinks, params int[] shape)
    {
        var values = Tensor.RandomUniform(shape, low, high, new RandomGenerator(seed)).ToArray();
        for (int i = 0; i < values.Length; i++)
            foreach (float k in kinks)
                if (Math.Abs(values[i] - k) < gap) values[i] = k + (values[i] >= k ? gap : -gap);
        return Tensor.FromArray(values, shape).WithRequiresGrad();
    }
}
