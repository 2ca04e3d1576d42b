using System.Reflection;
using System.Text.RegularExpressions;

namespace DeepSharp.Tests.Docs;

/// <summary>
/// Keeps docs/guides/keras.md true to the code: every public layer, loss, metric, optimizer, schedule, initializer,
/// regularizer, callback, activation and Model method is in its table, and every Keras string in a table resolves to
/// the class written beside it.
/// </summary>
public class KerasGuideTests
{
    private static readonly Lazy<Dictionary<string, List<Row>>> Tables = new(() => ReadTables(FindGuide()));
    private static readonly Type[] PublicTypes = typeof(Layer).Assembly.GetExportedTypes();

    private sealed record Row(string Keras, string DeepSharp);

    [Fact]
    public void Every_layer_is_in_the_layers_or_models_table()
    {
        var text = Column(Section("Layers").Concat(Section("Models")), r => r.DeepSharp);
        AssertAllNamed(ConcreteTypes<Layer>(), text, "Layers");
    }

    [Fact]
    public void Every_loss_is_in_the_table_and_its_keras_names_resolve_to_it() =>
        CheckRegistry<Loss>("Losses", name => DeepSharp.Losses.Get(name).GetType());

    [Fact]
    public void Every_metric_is_in_the_table_and_its_keras_names_resolve_to_it() =>
        CheckRegistry<Metric>("Metrics", name => DeepSharp.Metrics.Get(name).GetType());

    [Fact]
    public void Every_optimizer_is_in_the_table_and_its_keras_names_resolve_to_it() =>
        CheckRegistry<Optimizer>("Optimizers", name => DeepSharp.Optimizers.Get(name).GetType());

    [Fact]
    public void Every_initializer_is_in_the_table_and_its_keras_names_resolve_to_it() =>
        CheckRegistry<Initializer>("Initializers", name => DeepSharp.Initializers.Get(name).GetType());

    [Fact]
    public void Every_regularizer_is_in_the_table_and_its_keras_names_resolve_to_it() =>
        CheckRegistry<Regularizer>("Regularizers", name => Regularizer.Get(name).GetType());

    [Fact]
    public void Every_callback_is_in_the_table() =>
        AssertAllNamed(ConcreteTypes<Callback>(), Column(Section("Callbacks"), r => r.DeepSharp), "Callbacks");

    [Fact]
    public void Every_learning_rate_schedule_is_in_the_table() =>
        AssertAllNamed(ConcreteTypes<LearningRateSchedule>(), Column(Section("Learning-rate schedules"), r => r.DeepSharp), "Learning-rate schedules");

    [Fact]
    public void Every_activation_is_in_the_table_and_its_keras_names_resolve_to_it()
    {
        var rows = Section("Activations");
        var fields = typeof(Activations).GetFields(BindingFlags.Public | BindingFlags.Static)
            .Where(f => f.FieldType == typeof(ActivationFunction)).ToList();
        Assert.NotEmpty(fields);
        var text = Column(rows, r => r.DeepSharp);
        var absent = fields.Where(f => !Regex.IsMatch(text, $@"\bActivations\.{f.Name}\b")).Select(f => f.Name).ToList();
        Assert.True(absent.Count == 0, $"keras.md, Activations: no row for {string.Join(", ", absent)}");
        foreach (var row in rows)
        {
            var names = QuotedNames(row.Keras);
            Assert.True(names.Count > 0, $"keras.md, Activations: the row '{row.Keras}' names no Keras string");
            var field = Regex.Match(row.DeepSharp, @"\bActivations\.(\w+)\b");
            Assert.True(field.Success, $"keras.md, Activations: the row '{row.DeepSharp}' names no Activations field");
            var expected = (ActivationFunction)typeof(Activations).GetField(field.Groups[1].Value)!.GetValue(null)!;
            foreach (var name in names)
                Assert.True(ReferenceEquals(expected, Activations.Get(name)),
                    $"keras.md, Activations: \"{name}\" resolves to '{Activations.Get(name).Name}', not Activations.{field.Groups[1].Value}");
        }
    }

    [Fact]
    public void Every_model_method_is_in_the_table_and_every_member_named_there_exists()
    {
        var rows = Section("Model methods").Concat(Section("Models")).ToList();
        var text = Column(rows, r => r.DeepSharp);
        var methods = typeof(Model).GetMethods(BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly)
            .Where(m => !m.IsSpecialName).Select(m => m.Name).Distinct().ToList();
        Assert.Contains("Fit", methods);
        var absent = methods.Where(m => !Regex.IsMatch(text, $@"\.{m}\b")).ToList();
        Assert.True(absent.Count == 0, $"keras.md, Model methods: no row for Model.{string.Join(", Model.", absent)}");

        var receivers = new Dictionary<string, Type> { ["model"] = typeof(Model), ["Model"] = typeof(Model), ["sequential"] = typeof(Sequential), ["layer"] = typeof(Layer) };
        foreach (Match use in Regex.Matches(text, @"\b(model|Model|sequential|layer)\.([A-Z]\w*)"))
        {
            var type = receivers[use.Groups[1].Value];
            Assert.True(type.GetMember(use.Groups[2].Value, BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static).Length > 0,
                $"keras.md names {use.Value}, but {type.Name} has no public member {use.Groups[2].Value}");
        }
    }

    [Fact]
    public void Every_type_the_tables_construct_exists()
    {
        var names = PublicTypes.Select(t => t.Name).ToHashSet(StringComparer.Ordinal);
        foreach (var (section, rows) in Tables.Value)
        foreach (Match created in Regex.Matches(Column(rows, r => r.DeepSharp), @"\bnew (\w+)\("))
            Assert.True(names.Contains(created.Groups[1].Value), $"keras.md, {section}: 'new {created.Groups[1].Value}(' names no public type");
    }

    /// <summary>Every concrete T is in the section's C# column, and every Keras string there resolves to the class in its row.</summary>
    private static void CheckRegistry<T>(string section, Func<string, Type> resolve)
    {
        var rows = Section(section);
        AssertAllNamed(ConcreteTypes<T>(), Column(rows, r => r.DeepSharp), section);
        foreach (var row in rows)
        {
            var names = QuotedNames(row.Keras);
            Assert.True(names.Count > 0, $"keras.md, {section}: the row '{row.Keras}' names no Keras string");
            foreach (var name in names)
            {
                var type = resolve(name);
                Assert.True(Regex.IsMatch(row.DeepSharp, $@"\b{type.Name}\b"),
                    $"keras.md, {section}: \"{name}\" resolves to {type.Name}, but its row says '{row.DeepSharp}'");
            }
        }
    }

    private static void AssertAllNamed(IEnumerable<Type> types, string text, string section)
    {
        var list = types.ToList();
        Assert.NotEmpty(list);
        var absent = list.Where(t => !Regex.IsMatch(text, $@"\b{t.Name}\b")).Select(t => t.Name).ToList();
        Assert.True(absent.Count == 0, $"keras.md, {section}: no row for {string.Join(", ", absent)}");
    }

    private static IEnumerable<Type> ConcreteTypes<T>() =>
        PublicTypes.Where(t => typeof(T).IsAssignableFrom(t) && !t.IsAbstract && t.IsClass);

    private static List<string> QuotedNames(string cell) =>
        Regex.Matches(cell, "\"([a-z0-9_]+)\"").Select(m => m.Groups[1].Value).ToList();

    private static string Column(IEnumerable<Row> rows, Func<Row, string> cell) => string.Join("\n", rows.Select(cell));

    private static List<Row> Section(string name) =>
        Tables.Value.TryGetValue(name, out var rows) && rows.Count > 0
            ? rows
            : throw new InvalidOperationException($"keras.md has no table under '## {name}'.");

    /// <summary>The table rows under each '## ' heading: first column Keras, second DeepSharp (header rows left out).</summary>
    private static Dictionary<string, List<Row>> ReadTables(string path)
    {
        var tables = new Dictionary<string, List<Row>>(StringComparer.Ordinal);
        List<Row>? current = null;
        bool header = false;
        foreach (var line in File.ReadLines(path))
        {
            if (line.StartsWith("## ", StringComparison.Ordinal))
            {
                current = tables[line[3..].Trim()] = [];
                header = true;
                continue;
            }
            if (current is null || !line.StartsWith('|')) { header = true; continue; }
            if (header) { header = false; continue; }                       // "| Keras | DeepSharp |"
            var cells = Cells(line);
            if (cells.Count < 2 || cells[0].StartsWith("---", StringComparison.Ordinal)) continue;
            current.Add(new Row(cells[0], cells[1]));
        }
        return tables;
    }

    /// <summary>Splits a table row at the pipes outside code spans.</summary>
    private static List<string> Cells(string line)
    {
        var cells = new List<string>();
        var cell = new System.Text.StringBuilder();
        bool code = false;
        foreach (char c in line.Trim().Trim('|'))
        {
            if (c == '`') code = !code;
            if (c == '|' && !code)
            {
                cells.Add(cell.ToString().Trim());
                cell.Clear();
            }
            else cell.Append(c);
        }
        cells.Add(cell.ToString().Trim());
        return cells;
    }

    private static string FindGuide()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var path = Path.Combine(dir.FullName, "docs", "guides", "keras.md");
            if (File.Exists(path)) return path;
        }
        throw new FileNotFoundException($"docs/guides/keras.md not found above {AppContext.BaseDirectory}.");
    }
}
