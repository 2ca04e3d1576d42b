// A character-level language model on Debian's fortune cookies (apt-get install fortunes): it learns to predict the
// next character, reports bits per character on held-out fortunes against the unigram baseline, and writes new ones.
// Run: dotnet run -c Release --project examples/CharLm            (or: ... -- path/to/text-or-folder)
using DeepSharp;
using DeepSharp.Examples;
using DeepSharp.Plots;

const int Length = 100;                                       // characters per training window
RandomGenerator.SetSeed(42);
var corpus = TextCorpus.Load(args.Length > 0 ? args[0] : null);  // every 10th fortune held out

// Characters to indices, as Keras' TextVectorization(split="character") does: "" is 0, [UNK] 1, then by frequency.
var characters = new TextVectorization(maxTokens: 128, standardize: null, split: "character");
characters.Adapt([corpus.Train]);
var trainIds = characters.Call(corpus.Train).ToArray();
var heldOutIds = characters.Call(corpus.HeldOut).ToArray();
var (x, y) = CharLanguageModel.Windows(trainIds, Length);     // y: the same windows one character later
var (heldX, heldY) = CharLanguageModel.Windows(heldOutIds, Length);
int vocabulary = characters.VocabularySize;
Console.WriteLine($"{corpus.Train.Length:N0} training characters, {corpus.HeldOut.Length:N0} held out, {vocabulary} tokens");

// Two stacked LSTMs read the window; a Dense layer gives the logits of the next character at every step.
var model = new Sequential(
    new Embedding(vocabulary, 32, inputShape: [Length]),
    new LSTM(256, returnSequences: true),
    new LSTM(256, returnSequences: true),
    new Dense(vocabulary));
model.Compile(optimizer: new Adam(learningRate: 2e-3, clipNorm: 1f),
              loss: new SparseCategoricalCrossentropy(fromLogits: true), metrics: ["accuracy"]);
model.Summary();

var history = model.Fit(x, y, batchSize: 64, epochs: 3, validationData: (heldX, heldY));

// Bits per character = cross-entropy (nats) / ln 2; the baseline knows only how frequent each character is.
double bits = model.Evaluate(heldX, heldY, verbose: 0).Loss / Math.Log(2);
double unigram = CharLanguageModel.UnigramBitsPerCharacter(trainIds, heldY.ToArray(), vocabulary);
Console.WriteLine($"Held-out bits per character: {bits:0.000} (unigram baseline {unigram:0.000})");

// New fortunes: after a held-out one (ending in "%\n"), draw each next character from softmax(logits / temperature).
foreach (double temperature in new[] { 0.5, 1.0 })
{
    var context = CharLanguageModel.ContextBeforePiece(corpus.HeldOut, Length, 0);
    var sample = CharLanguageModel.Sample(model, characters, [context], [temperature], Length, 300, new RandomGenerator(7))[0];
    Console.WriteLine($"--- temperature {temperature}:\n{sample}");
}

history.Plot("charlm-curves.png");
model.Save("charlm.dsm");
characters.Save("charlm-characters.json");                    // the vocabulary, to turn text into indices again
