using EdgeAi.Agent.Cli;

return await AgentCli.Build().Parse(args).InvokeAsync().ConfigureAwait(false);
