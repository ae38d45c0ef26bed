namespace EdgeAi.Hub.Deployments;

/// <summary>
/// Splits a deployment's devices into waves: devices in ordinal id order, wave i holding the
/// devices up to ceil(percent_i × N / 100) cumulatively. Deterministic, so a restarted hub and a
/// reader of the plan agree on who goes when. A wave can be empty (10% of 3 devices then 50% of 3
/// is 1 then 2 devices; 10% then 20% of 3 is 1 then 1): the gate passes it at once.
/// </summary>
internal static class WavePlan
{
    /// <summary>How many devices have been moved once wave i is under way, per wave.</summary>
    public static int[] CumulativeCounts(int deviceCount, IReadOnlyList<int> percents)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(deviceCount);
        ArgumentNullException.ThrowIfNull(percents);
        return [.. percents.Select(p => (int)(((long)p * deviceCount + 99) / 100))];
    }

    /// <summary>Each device with its 0-based wave, in rollout order.</summary>
    public static IReadOnlyList<(string DeviceId, int Wave)> Assign(IEnumerable<string> deviceIds, IReadOnlyList<int> percents)
    {
        ArgumentNullException.ThrowIfNull(deviceIds);
        var ordered = deviceIds.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray();
        var counts = CumulativeCounts(ordered.Length, percents);
        var plan = new List<(string, int)>(ordered.Length);
        var wave = 0;
        for (var i = 0; i < ordered.Length; i++)
        {
            while (i >= counts[wave])
            {
                wave++;
            }
            plan.Add((ordered[i], wave));
        }
        return plan;
    }

    /// <summary>True when every tag of the selector is on the device with the same value; an empty selector matches all.</summary>
    public static bool Matches(IReadOnlyDictionary<string, string> selector, IReadOnlyDictionary<string, string> tags)
    {
        ArgumentNullException.ThrowIfNull(selector);
        ArgumentNullException.ThrowIfNull(tags);
        return selector.All(kv => tags.TryGetValue(kv.Key, out var value) && string.Equals(value, kv.Value, StringComparison.Ordinal));
    }
}
