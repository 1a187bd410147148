"""Each pytest-xdist worker takes a Redis database of its own (``config/test_settings.py``)."""

from __future__ import annotations

import pytest

from config.test_settings import redis_db_of_xdist_worker


def test_each_worker_takes_the_broker_database_plus_its_number() -> None:
    assert redis_db_of_xdist_worker("redis://127.0.0.1:6379/5", worker="gw0") == "redis://127.0.0.1:6379/5"
    assert redis_db_of_xdist_worker("redis://127.0.0.1:6379/5", worker="gw1") == "redis://127.0.0.1:6379/6"


def test_the_databases_named_in_test_redis_dbs_go_to_the_workers_in_order() -> None:
    assert redis_db_of_xdist_worker("redis://127.0.0.1:6379/15", worker="gw1", dbs="15,5") == "redis://127.0.0.1:6379/5"
    with pytest.raises(RuntimeError, match="TEST_REDIS_DBS"):
        redis_db_of_xdist_worker("redis://127.0.0.1:6379/15", worker="gw2", dbs="15,5")


def test_a_worker_past_the_last_redis_database_is_refused_with_what_to_set() -> None:
    # Redis has databases 0-15: worker gw1 of database 15 has no database 16 to take
    with pytest.raises(RuntimeError, match="TEST_REDIS_DBS"):
        redis_db_of_xdist_worker("redis://127.0.0.1:6379/15", worker="gw1")


def test_a_url_that_is_not_redis_and_the_process_outside_xdist_are_left_alone() -> None:
    assert redis_db_of_xdist_worker("memory://", worker="gw3") == "memory://"
    assert redis_db_of_xdist_worker("redis://127.0.0.1:6379/15", worker="master") == "redis://127.0.0.1:6379/15"
