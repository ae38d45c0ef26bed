// dotnet run -c Release --project bench/EdgeAi.Bench -- [--iterations N] [--warmup N] [--threads N] [--raw FILE]
// dotnet run -c Release --project bench/EdgeAi.Bench -- hub [--iterations N] [--warmup N] [--threads N] [--clients N] [--duration S] [--queue-delays MS...]
// dotnet run -c Release --project bench/EdgeAi.Bench -- edge [--iterations N] [--warmup N]
using EdgeAi.Bench;

return await BenchCli.Build().Parse(args).InvokeAsync().ConfigureAwait(false);
