using EdgeAi.IntegrationTests.Admin;
using EdgeAi.IntegrationTests.Broker;
using EdgeAi.IntegrationTests.Deployments;
using EdgeAi.IntegrationTests.Enrollment;
using EdgeAi.IntegrationTests.Registry;

namespace EdgeAi.IntegrationTests.Store;

// The store-touching test classes again, each test's hub on a fresh PostgreSQL database (HubTest with
// StoreEngine.Postgres); without EDGEAI_TEST_POSTGRES every test here skips with TestDatabase.Unavailable.
// Chosen to cover each kind of store use once within about two minutes more suite time: the admin
// reads over synced records, enrollment (token uses counted under concurrency) and the token API, the
// registry's rows, the rollout controller's state machine, and ingest through the embedded broker
// (the raw multi-row INSERT ... ON CONFLICT, presence). Left on SQLite only: classes that repeat these
// paths with an agent or an external broker on top (their store calls are the same).

public sealed class AdminApiTestsOnPostgres() : AdminApiTests(StoreEngine.Postgres);

public sealed class EnrollmentTestsOnPostgres() : EnrollmentTests(StoreEngine.Postgres);

public sealed class TokenApiTestsOnPostgres() : TokenApiTests(StoreEngine.Postgres);

public sealed class RegistryTestsOnPostgres() : RegistryTests(StoreEngine.Postgres);

public sealed class RolloutTestsOnPostgres() : RolloutTests(StoreEngine.Postgres);

public sealed class EmbeddedBrokerTestsOnPostgres() : EmbeddedBrokerTests(StoreEngine.Postgres);
