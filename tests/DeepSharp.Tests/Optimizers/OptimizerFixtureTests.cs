using System.Text.Json.Nodes;

namespace DeepSharp.Tests.Optimizers;

/// <summary>
/// Every optimizer against the fixtures of tools/make_optimizer_fixtures.py: Keras 3's formulas evaluated in
/// float64 ("expected") and, where PyTorch runs the same algorithm, torch.optim's own result ("torch_expected").
/// </summary>
public class OptimizerFixtureTests
{
    public static TheoryData<string, string> AllCases()
    {
        var data = new TheoryData<string, string>();
        foreach (var file in OptimizerFixtures.OptimizerFiles)
            foreach (var c in OptimizerFixtures.Cases(file))
                data.Add(file, (string)c!["name"]!);
        return data;
    }

    /// <summary>
    /// DeepSharp computes in float32, the references in float64 from the same float32 inputs. Allowed error per
    /// element: half a float32 ulp of the weight per step (5 steps: 2.5 ulp ≈ 3e-7 relative) plus 1e-5 of the
    /// distance travelled (the float32 rounding of moments, square roots and bias corrections).
    /// </summary>
    internal static double Tolerance(double expected, double initial) =>
        3e-7 * Math.Abs(expected) + 1e-5 * Math.Abs(expected - initial) + 1e-12;

    [Theory]
    [MemberData(nameof(AllCases))]
    public void Matches_keras_formula_and_pytorch_over_every_step(string file, string name)
    {
        var fixture = OptimizerFixtures.Case(file, name);
        var optimizer = OptimizerFixtures.Optimizer(fixture["optimizer"]!);
        var initial = fixture["initial"]!.AsArray();
        var variables = new List<Tensor>();
        using (TensorScope.Suspend())
            foreach (var w in initial)
            {
                var values = OptimizerFixtures.Floats(w);
                variables.Add(Tensor.FromArray(values, values.Length).WithRequiresGrad());
            }

        var gradients = fixture["gradients"]!.AsArray();
        for (int step = 0; step < gradients.Count; step++)
        {
            var stepGradients = gradients[step]!.AsArray();
            for (int v = 0; v < variables.Count; v++)
            {
                var g = OptimizerFixtures.Floats(stepGradients[v]);
                variables[v].Backward(Tensor.FromArray(g, g.Length));
            }
            optimizer.ApplyGradients(variables);
            Assert.Equal(step + 1, optimizer.Iterations);
            Compare(fixture, "expected", step, variables, initial);
            if (fixture["torch_expected"] is not null) Compare(fixture, "torch_expected", step, variables, initial);
        }
    }

    private static void Compare(JsonObject fixture, string key, int step, List<Tensor> variables, JsonArray initial)
    {
        var expectedStep = fixture[key]![step]!.AsArray();
        for (int v = 0; v < variables.Count; v++)
        {
            var actual = variables[v].ToArray();
            var expected = OptimizerFixtures.Doubles(expectedStep[v]);
            var start = OptimizerFixtures.Doubles(initial[v]);
            for (int i = 0; i < actual.Length; i++)
            {
                double tolerance = Tolerance(expected[i], start[i]);
                double error = Math.Abs(actual[i] - expected[i]);
                Assert.True(error <= tolerance,
                    $"{fixture["name"]} ({key}), step {step + 1}, variable {v}, element {i}: got {actual[i]:R}, expected {expected[i]:R} " +
                    $"(error {error:E2} > tolerance {tolerance:E2}).");
            }
        }
    }
}
