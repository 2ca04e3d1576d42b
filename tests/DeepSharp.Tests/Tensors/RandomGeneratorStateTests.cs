namespace DeepSharp.Tests.Tensors;

public class RandomGeneratorStateTests
{
    [Fact]
    public void A_generator_given_another_ones_state_draws_the_same_numbers_spare_normal_included()
    {
        var a = new RandomGenerator(9);
        a.NextUInt64();
        a.NextNormal(); // leaves the second deviate of the pair for the next call
        var state = a.State;
        Assert.NotNull(state.SpareNormal);

        var b = new RandomGenerator(1);
        b.State = RandomGeneratorState.Parse(state.ToString());

        for (int i = 0; i < 5; i++)
        {
            Assert.Equal(BitConverter.SingleToInt32Bits(a.NextNormal()), BitConverter.SingleToInt32Bits(b.NextNormal()));
            Assert.Equal(a.NextUInt64(), b.NextUInt64());
        }
        Assert.Equal(a.State, b.State);
    }

    [Fact]
    public void The_text_form_is_four_words_and_the_spare_deviate()
    {
        var state = new RandomGeneratorState(1, 0xFFFF_FFFF_FFFF_FFFF, 3, 4, -0.5f);
        Assert.Equal("0000000000000001 ffffffffffffffff 0000000000000003 0000000000000004 bf000000", state.ToString());
        Assert.Equal(state, RandomGeneratorState.Parse(state.ToString()));
        Assert.Equal(new RandomGeneratorState(1, 2, 3, 4, null), RandomGeneratorState.Parse("0000000000000001 0000000000000002 0000000000000003 0000000000000004"));
    }

    [Theory]
    [InlineData("")]
    [InlineData("1 2 3 4")]
    [InlineData("000000000000000g 0000000000000002 0000000000000003 0000000000000004")]
    [InlineData("0000000000000000 0000000000000000 0000000000000000 0000000000000000")]
    [InlineData("0000000000000001 0000000000000002 0000000000000003 0000000000000004 12")]
    public void Bad_text_is_refused(string text) => Assert.Throws<FormatException>(() => RandomGeneratorState.Parse(text));

    [Fact]
    public void The_all_zero_state_is_refused()
    {
        var e = Assert.Throws<ArgumentException>(() => new RandomGenerator(1).State = new RandomGeneratorState(0, 0, 0, 0, null));
        Assert.Contains("all four state words are zero", e.Message);
    }
}
