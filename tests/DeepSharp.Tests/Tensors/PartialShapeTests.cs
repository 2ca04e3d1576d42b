namespace DeepSharp.Tests.Tensors;

public class PartialShapeTests
{
    [Fact]
    public void A_collection_with_null_is_a_shape_with_an_unknown_dimension()
    {
        PartialShape shape = [null, 28];
        Assert.Equal(2, shape.Rank);
        Assert.Null(shape[0]);
        Assert.Equal(28, shape[1]);
        Assert.Equal(28, shape[-1]);
        Assert.False(shape.IsFullyKnown);
        Assert.False(shape.IsKnown(0));
        Assert.Equal("(None, 28)", shape.ToString());
        Assert.Equal("(None, None, 28)", Layer.FormatBatch(shape));
        Assert.Throws<InvalidOperationException>(() => shape.ToTensorShape());
    }

    [Fact]
    public void Known_shapes_convert_from_tensor_shapes_and_arrays_and_back()
    {
        PartialShape fromTensorShape = new TensorShape(28, 28);
        PartialShape fromArray = new[] { 28, 28 };
        PartialShape fromCollection = [28, 28];
        Assert.Equal(fromTensorShape, fromArray);
        Assert.Equal(fromTensorShape, fromCollection);
        Assert.True(fromCollection.IsFullyKnown);
        Assert.Equal(new TensorShape(28, 28), fromCollection.ToTensorShape());
        Assert.Equal([28, 28], fromCollection.Dims.ToArray());
    }

    [Fact]
    public void A_concrete_shape_fits_where_the_known_dimensions_agree()
    {
        PartialShape shape = [null, 28];
        Assert.True(shape.Accepts(new TensorShape(5, 28)));
        Assert.True(shape.Accepts(new TensorShape(300, 28)));
        Assert.False(shape.Accepts(new TensorShape(5, 27)));
        Assert.False(shape.Accepts(new TensorShape(28)));
        Assert.Equal(new TensorShape(7, 28), shape.WithUnknownAs(7));
    }

    [Fact]
    public void Unknown_and_known_dimensions_are_not_equal()
    {
        Assert.NotEqual<PartialShape>([null, 28], [5, 28]);
        Assert.Equal<PartialShape>([null, 28], [null, 28]);
        PartialShape a = [null, 28], b = [null, 28];
        Assert.Equal(a.GetHashCode(), b.GetHashCode());
    }

    [Fact]
    public void A_negative_size_is_refused_with_the_way_to_write_an_unknown_one()
    {
        var e = Assert.Throws<ArgumentException>(() => new PartialShape(-1, 28));
        Assert.Contains("negative", e.Message);
        Assert.Contains("null", e.Message);
    }
}
