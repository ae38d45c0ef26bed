namespace EdgeAi.Serving.Repository;

/// <summary>The parameters Triton's load and unload take, and what this server says of those it does not.</summary>
internal static class RepositoryParameters
{
    /// <summary>Unload's "unload_dependents" (a boolean; Triton's clients always send it).</summary>
    public const string UnloadDependents = "unload_dependents";

    public static string Unsupported(string what, string name) =>
        $"{what} parameter '{name}' is not supported: models {(what == "load" ? "load from the model store as installed (no 'config' or 'file:' overrides)" : "unload by name; the only parameter is 'unload_dependents'")}";
}
