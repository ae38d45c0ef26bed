namespace EdgeAi.Testing.Hosts;

/// <summary>
/// The store a test hub runs on. <see cref="Postgres"/> is a fresh <see cref="TestDatabase"/> on the server
/// EDGEAI_TEST_POSTGRES names; without it such a test skips and says why (<see cref="TestDatabase.Unavailable"/>).
/// </summary>
public enum StoreEngine
{
    Sqlite,
    Postgres,
}
