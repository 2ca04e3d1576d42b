namespace DeepSharp.Plots;

/// <summary>Pictures of a <see cref="History"/>: <c>history.Plot("curves.png")</c>, as a Keras tutorial's matplotlib figure.</summary>
public static class HistoryPlots
{
    extension(History history)
    {
        /// <summary>Writes loss and accuracy (or the first metric) per epoch, training against validation.</summary>
        public void Plot(string path, string? title = null) => TrainingCurves.Save(path, history.Values, title);

        /// <summary>Writes training against validation accuracy per epoch ("Model accuracy").</summary>
        public void PlotAccuracy(string path, string? title = null) => TrainingCurves.SaveAccuracy(path, history.Values, title);
    }
}
