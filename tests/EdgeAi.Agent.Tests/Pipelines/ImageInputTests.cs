using System.Text;
using EdgeAi.Agent.Pipelines;
using EdgeAi.Common.Inference;
using EdgeAi.Serving;
using Google.Protobuf;

namespace EdgeAi.Agent.Tests.Pipelines;

public sealed class ImageInputTests
{
    private static readonly byte[] Picture = TestPictures.Png(TestPictures.Rgb(2, 2, (_, _) => (1, 2, 3)));

    private static ModelInferRequest Request(string name = "image", string datatype = "BYTES", long[]? shape = null, params byte[][] elements)
    {
        var request = new ModelInferRequest { ModelName = "cats" };
        var input = new ModelInferRequest.Types.InferInputTensor { Name = name, Datatype = datatype };
        input.Shape.Add(shape ?? [elements.Length]);
        request.Inputs.Add(input);
        request.RawInputContents.Add(ByteString.CopyFrom(RawTensor.FromStrings([]).Concat(elements.SelectMany(Element)).ToArray()));
        return request;
    }

    private static byte[] Element(byte[] bytes) => BitConverter.GetBytes(bytes.Length).Concat(bytes).ToArray();

    [Fact]
    public void Read_OneRawElement_ReturnsTheImageBytes()
    {
        ImageInput.Read("cats", Request(elements: Picture), 1 << 20).ToArray().ShouldBe(Picture);
    }

    [Fact]
    public void Read_Base64Text_IsDecoded()
    {
        var text = Encoding.ASCII.GetBytes(Convert.ToBase64String(Picture, Base64FormattingOptions.InsertLineBreaks));

        ImageInput.Read("cats", Request(elements: text), 1 << 20).ToArray().ShouldBe(Picture);
    }

    [Fact]
    public void Read_DataUrl_IsDecoded()
    {
        var url = Encoding.ASCII.GetBytes("data:image/png;base64," + Convert.ToBase64String(Picture));

        ImageInput.Read("cats", Request(elements: url), 1 << 20).ToArray().ShouldBe(Picture);
    }

    [Fact]
    public void Read_TypedBytesContents_AreTakenToo()
    {
        var request = new ModelInferRequest { ModelName = "cats" };
        var input = new ModelInferRequest.Types.InferInputTensor { Name = "image", Datatype = "BYTES", Contents = new InferTensorContents() };
        input.Shape.Add(1);
        input.Contents.BytesContents.Add(ByteString.CopyFrom(Picture));
        request.Inputs.Add(input);

        ImageInput.Read("cats", request, 1 << 20).ToArray().ShouldBe(Picture);
    }

    [Fact]
    public void Read_TwoImages_IsRefusedAsMoreThanOne()
    {
        Should.Throw<InferenceException>(() => ImageInput.Read("cats", Request(elements: [Picture, Picture]), 1 << 20))
            .Message.ShouldBe("pipeline 'cats' takes one input 'image' (BYTES [1]: one encoded JPEG or PNG); input 'image' has shape [2]: more than one image (send one request per image)");
    }

    [Fact]
    public void Read_Fp32Input_IsRefused()
    {
        var error = Should.Throw<InferenceException>(() => ImageInput.Read("cats", Request(datatype: "FP32", elements: Picture), 1 << 20));

        error.Error.ShouldBe(InferenceError.InvalidArgument);
        error.Message.ShouldEndWith("input 'image' is FP32, not BYTES");
    }

    [Fact]
    public void Read_OtherInputName_IsRefused()
    {
        Should.Throw<InferenceException>(() => ImageInput.Read("cats", Request(name: "input", elements: Picture), 1 << 20))
            .Message.ShouldEndWith("the request's input is named 'input'");
    }

    [Fact]
    public void Read_EmptyElement_IsRefused()
    {
        Should.Throw<InferenceException>(() => ImageInput.Read("cats", Request(elements: [[]]), 1 << 20))
            .Message.ShouldBe("pipeline 'cats': input 'image' is empty (0 bytes); expected one encoded JPEG or PNG");
    }

    [Fact]
    public void Read_OverTheByteLimit_IsResourceExhausted()
    {
        var error = Should.Throw<InferenceException>(() => ImageInput.Read("cats", Request(elements: Picture), 10));

        error.Error.ShouldBe(InferenceError.ResourceExhausted);
        error.Message.ShouldContain("Pipelines:cats:Limits:MaxEncodedBytes");
    }

    [Fact]
    public void Read_TextThatIsNotBase64_SaysHowItWasRead()
    {
        Should.Throw<InferenceException>(() => ImageInput.Read("cats", Request(elements: "hello"u8.ToArray()), 1 << 20))
            .Message.ShouldContain("it was read as base64");
    }

    [Fact]
    public void Read_LengthPrefixThatLies_IsRefused()
    {
        var request = Request(elements: Picture);
        request.RawInputContents[0] = ByteString.CopyFrom(BitConverter.GetBytes(1000).Concat(Picture).ToArray());

        Should.Throw<InferenceException>(() => ImageInput.Read("cats", request, 1 << 20)).Message.ShouldContain("its length prefix says 1000 bytes");
    }
}
