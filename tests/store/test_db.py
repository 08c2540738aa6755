"""How connections are opened: settings a deployment relies on survive our own."""

from sqlalchemy.engine import Engine

from tracemes.store.db import open_database


def test_postgres_keeps_the_urls_options_and_plans_each_call(postgres_url: str) -> None:
    """A search_path given in the URL (how tests and the benchmark pick a schema) still
    applies beside the plan setting that keeps batch lookups from degrading."""
    engine: Engine = open_database(postgres_url)
    try:
        with engine.connect() as conn:
            search_path = conn.exec_driver_sql("SHOW search_path").scalar()
            plan_mode = conn.exec_driver_sql("SHOW plan_cache_mode").scalar()
            tables = conn.exec_driver_sql(
                "SELECT count(*) FROM information_schema.tables "
                "WHERE table_schema = current_schema() AND table_name = 'events'"
            ).scalar()
    finally:
        engine.dispose()
    assert search_path is not None
    assert search_path.startswith("test_")
    assert plan_mode == "force_custom_plan"
    assert tables == 1
