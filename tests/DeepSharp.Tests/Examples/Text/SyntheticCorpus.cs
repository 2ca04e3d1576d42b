namespace DeepSharp.Tests.Examples.Text;

/// <summary>A small fortune file written for the tests: short sentences from a tiny grammar, separated by "%" lines.</summary>
internal static class SyntheticCorpus
{
    private static readonly string[] Subjects = ["the cat", "a dog", "my friend", "the old man", "her sister"];
    private static readonly string[] Verbs = ["sat on", "looked at", "ran to", "smiled at"];
    private static readonly string[] Objects = ["the mat.", "a tree.", "the house.", "the sea."];

    /// <summary>Writes <paramref name="pieces"/> fortunes of one or two sentences into <paramref name="path"/>, drawn with <paramref name="seed"/>.</summary>
    public static string Write(string path, int pieces, int seed = 1)
    {
        var random = new Random(seed);
        var text = new System.Text.StringBuilder();
        for (int i = 0; i < pieces; i++)
        {
            int sentences = 1 + random.Next(2);
            for (int s = 0; s < sentences; s++)
                text.Append(Subjects[random.Next(Subjects.Length)]).Append(' ').Append(Verbs[random.Next(Verbs.Length)]).Append(' ')
                    .Append(Objects[random.Next(Objects.Length)]).Append('\n');
            text.Append("%\n");
        }
        File.WriteAllText(path, text.ToString());
        return path;
    }
}
