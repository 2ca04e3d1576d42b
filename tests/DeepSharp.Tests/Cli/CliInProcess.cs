using DeepSharp.Cli;

namespace DeepSharp.Tests.Cli;

/// <summary>Runs the deepsharp command in this process, as the tool's entry point does, capturing what it prints.</summary>
internal static class CliInProcess
{
    public static (int Code, string Output, string Error) Run(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        int code = CommandRunner.Run(args, output, error);
        return (code, output.ToString(), error.ToString());
    }

    /// <summary>
    /// An untrained classifier of <paramref name="inputShape"/> images (Flatten, then Dense with softmax), compiled and
    /// saved as <paramref name="path"/>: what a user's model file is to the commands that load one.
    /// </summary>
    public static Model SaveClassifier(string path, int[] inputShape, int classes = 10)
    {
        RandomGenerator.SetSeed(21);
        var model = new Sequential(new Flatten(inputShape: inputShape), new Dense(classes, activation: "softmax"));
        model.Compile("adam", "sparse_categorical_crossentropy", ["accuracy"]);
        model.Predict(Tensor.Zeros((int[])[1, .. inputShape]));
        model.Save(path);
        return model;
    }
}
