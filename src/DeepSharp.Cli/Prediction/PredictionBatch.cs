namespace DeepSharp.Cli.Prediction;

/// <summary>Inputs read from one argument of <c>deepsharp predict</c>: a name for each (the file, or file[index]) and the batch the model takes.</summary>
/// <param name="Names">One name per input, for the printed table and the CSV.</param>
/// <param name="X">The inputs, batch axis first.</param>
public sealed record PredictionBatch(IReadOnlyList<string> Names, Tensor X);
