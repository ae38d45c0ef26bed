// dotnet run -c Release --project bench/EdgeAi.Bench -- [--iterations N] [--warmup N] [--threads N]
using EdgeAi.Bench;

return await BenchCli.Build().Parse(args).InvokeAsync().ConfigureAwait(false);
