// The seed MLP on Fashion-MNIST in F#, the same calls as examples/Mlp in F#'s syntax.
// Run: dotnet run -c Release --project examples/FSharpMlp [-- --epochs N --limit N]
//   --epochs N   epochs to train (default 10)
//   --limit N    use only the first N training and test images, for a quick trial (default: all)
open System
open DeepSharp
open DeepSharp.Plots

/// The value after `name` on the command line, or `fallback`.
let option (argv: string[]) name fallback =
    match Array.tryFindIndex ((=) name) argv with
    | Some i when i + 1 < argv.Length -> int argv[i + 1]
    | _ -> fallback

/// The first `limit` samples of a split (all of them when limit is 0).
let first limit (split: DatasetSplit) =
    if limit <= 0 || limit >= split.X.Shape[0] then split.X, split.Y
    else split.X.Slice(0, 0, limit), split.Y.Slice(0, 0, limit)

[<EntryPoint>]
let main argv =
    let epochs = option argv "--epochs" 10
    let limit = option argv "--limit" 0
    let struct (train, test) = Datasets.FashionMnist.Load()          // pixels scaled to [0, 1]
    let trainX, trainY = first limit train
    let testX, testY = first limit test

    let model =
        Sequential(
            Flatten(inputShape = TensorShape(28, 28)),
            Dense(128, activation = "relu"),
            Dropout(0.2),
            Dense(10, activation = "softmax"))
    model.Compile(Adam(learningRate = 1e-3), "sparse_categorical_crossentropy", [ Metrics.Get "accuracy" ])
    model.Summary() |> ignore

    let history = model.Fit(trainX, trainY, epochs = epochs, validationSplit = 0.1)

    let result = model.Evaluate(testX, testY)
    printfn "Test loss: %.4f - test accuracy: %.4f" result["loss"] result["accuracy"]

    // Tensor's operators and methods work from F# as from C#: the error rate by hand from the predicted classes.
    let predicted = model.Predict(testX, verbose = 0).ArgMax(1)
    let errorRate = (1.0f - Ops.Equal(predicted, testY)).Mean().Item()
    printfn "Test error rate: %.4f (1 - accuracy)" errorRate

    history.Plot("curves.png")
    model.Save("fashion-mlp.dsm")
    0
