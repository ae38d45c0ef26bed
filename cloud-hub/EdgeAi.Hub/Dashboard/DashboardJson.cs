using System.Text.Json;
using System.Text.Json.Serialization;

namespace EdgeAi.Hub.Dashboard;

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(DeviceView[]))]
[JsonSerializable(typeof(ChartsView))]
[JsonSerializable(typeof(DevicePageView))]
internal sealed partial class DashboardJson : JsonSerializerContext;
