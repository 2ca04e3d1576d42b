using DeepSharp.Examples;

namespace DeepSharp.Tests.Examples.Gan;

public class FrechetDistanceTests
{
    [Fact]
    public void Identical_gaussians_are_at_distance_zero()
    {
        double[] mean = [1, -2, 0.5];
        double[] covariance = [2, 0.3, 0.1, 0.3, 1, -0.2, 0.1, -0.2, 0.5];
        Assert.Equal(0, FrechetDistance.Compute(mean, covariance, mean, covariance), 1e-10);
    }

    [Fact]
    public void One_dimension_is_the_squared_differences_of_means_and_deviations()
    {
        // d = (μ1 − μ2)² + (σ1 − σ2)²
        Assert.Equal(9 + (2 - 5) * (2 - 5), FrechetDistance.Compute([1], [4], [4], [25]), 1e-10);
    }

    [Fact]
    public void Diagonal_covariances_give_the_sum_over_axes()
    {
        double expected = 1 + (1 - 2) * (1 - 2) + (3 - 1) * (3 - 1);
        Assert.Equal(expected, FrechetDistance.Compute([0, 0], [1, 0, 0, 9], [1, 0], [4, 0, 0, 1]), 1e-10);
    }

    [Fact]
    public void Non_commuting_covariances_match_the_two_by_two_closed_form()
    {
        // For 2×2 PSD matrices, Tr √(Σ1Σ2) = √(Tr(Σ1Σ2) + 2√det(Σ1Σ2)).
        double[] s1 = [2, 1, 1, 3], s2 = [1, -0.5, -0.5, 2];
        double p00 = s1[0] * s2[0] + s1[1] * s2[2], p01 = s1[0] * s2[1] + s1[1] * s2[3];
        double p10 = s1[2] * s2[0] + s1[3] * s2[2], p11 = s1[2] * s2[1] + s1[3] * s2[3];
        double traceRoot = Math.Sqrt(p00 + p11 + 2 * Math.Sqrt(p00 * p11 - p01 * p10));
        double expected = (1 - 0) * (1 - 0) + (2 - 3) * (2 - 3) + (2 + 3) + (1 + 2) - 2 * traceRoot;
        Assert.Equal(expected, FrechetDistance.Compute([1, 2], s1, [0, 3], s2), 1e-10);
        Assert.Equal(expected, FrechetDistance.Compute([0, 3], s2, [1, 2], s1), 1e-10); // symmetric in its arguments
    }

    [Fact]
    public void Square_root_squares_back()
    {
        double[] m = [4, 1, 0, 1, 3, 1, 0, 1, 2];
        var root = FrechetDistance.SquareRoot(m, 3);
        for (int i = 0; i < 3; i++)
            for (int j = 0; j < 3; j++)
            {
                double square = 0;
                for (int k = 0; k < 3; k++) square += root[i * 3 + k] * root[k * 3 + j];
                Assert.Equal(m[i * 3 + j], square, 1e-12);
            }
    }

    [Fact]
    public void Statistics_are_the_mean_and_the_unbiased_covariance()
    {
        // rows (1, 2), (3, 2), (5, 8): means 3 and 4; var x = 4, var y = 12, cov = 6
        var (mean, covariance) = FrechetDistance.Statistics([1, 2, 3, 2, 5, 8], 3, 2);
        Assert.Equal(new[] { 3.0, 4.0 }, mean);
        Assert.Equal(new[] { 4.0, 6.0, 6.0, 12.0 }, covariance);
        Assert.Throws<ArgumentException>(() => FrechetDistance.Statistics([1, 2, 3], 2, 2));
        Assert.Throws<ArgumentException>(() => FrechetDistance.Compute([1], [1], [1, 2], [1, 0, 0, 1]));
    }

    [Fact]
    public void Samples_from_two_gaussians_approach_the_distance_of_their_parameters()
    {
        var random = new RandomGenerator(9);
        const int rows = 20_000;
        var a = new float[rows * 2];
        var b = new float[rows * 2];
        for (int r = 0; r < rows; r++)
        {
            a[2 * r] = random.NextNormal();
            a[2 * r + 1] = 2 * random.NextNormal();
            b[2 * r] = 1 + 3 * random.NextNormal();
            b[2 * r + 1] = 2 * random.NextNormal();
        }
        // (1)² + (1 − 3)² + (2 − 2)² = 5
        Assert.Equal(5, FrechetDistance.Between(a, rows, b, rows, 2), 0.25);
    }
}
