namespace EdgeAi.Hub.Broker.DynamicSecurity;

/// <summary>Where plugin commands go: the <see cref="DynamicSecurityLink"/> (an interface so the account logic is tested without a broker).</summary>
internal interface IDynsecChannel
{
    /// <summary>Runs the commands in order, in one message; the responses, one per command, in the same order. Throws <see cref="BrokerAccountsException"/> when the broker cannot be reached or does not answer.</summary>
    Task<IReadOnlyList<DynsecResponse>> SendAsync(IReadOnlyList<DynsecCommand> commands, CancellationToken cancellationToken);
}
