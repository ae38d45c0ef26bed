namespace EdgeAi.Common.Onnx;

/// <summary>
/// ONNX element types (TensorProto.DataType values) as plain ints, the way they appear in model
/// files and in <see cref="OnnxTensorInfo.ElementType"/>; types an exporter may use that we do not
/// list here (complex, float8) still pass through as their int.
/// </summary>
public static class OnnxElementType
{
    public const int Float = 1;
    public const int UInt8 = 2;
    public const int Int8 = 3;
    public const int UInt16 = 4;
    public const int Int16 = 5;
    public const int Int32 = 6;
    public const int Int64 = 7;
    public const int String = 8;
    public const int Bool = 9;
    public const int Float16 = 10;
    public const int Double = 11;
    public const int UInt32 = 12;
    public const int UInt64 = 13;
    public const int BFloat16 = 16;
}
