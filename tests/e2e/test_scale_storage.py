"""Migration 0004: tessera.sessions, a high-churn table, gets room for same-page updates and eager autovacuum."""


def test_sessions_table_has_the_scale_storage_settings(stack):
    options = dict(o.split("=", 1) for o in stack.scalar(
        "SELECT array_to_string(reloptions, ',') FROM pg_class "
        "WHERE oid = 'tessera.sessions'::regclass").split(","))
    assert options == {
        "fillfactor": "70",
        "autovacuum_vacuum_scale_factor": "0.02",
        "autovacuum_vacuum_threshold": "1000",
        "autovacuum_vacuum_insert_scale_factor": "0.05",
        "autovacuum_analyze_scale_factor": "0.05",
        "autovacuum_vacuum_cost_delay": "1",
    }
