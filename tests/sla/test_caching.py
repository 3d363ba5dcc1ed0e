"""A change made in one process reaches another process's cached copy."""

from sla.caching import ProcessCache


def test_invalidate_in_one_process_makes_another_rebuild():
    source = {"value": 1}

    def make():
        return ProcessCache(
            version_key="test:cache-version",
            build=lambda: source["value"],
            ttl=lambda: 3600,
            check_seconds=0,
        )

    web, worker = make(), make()  # two processes' copies, sharing the cache's version key
    assert (web.get(), worker.get()) == (1, 1)

    source["value"] = 2
    assert worker.get() == 1  # nobody said anything changed: the copy is kept
    web.invalidate()
    assert (web.get(), worker.get()) == (2, 2)


def test_a_busy_process_checks_the_version_at_most_once_per_interval():
    builds = []
    cache = ProcessCache(
        version_key="test:cache-version-2",
        build=lambda: builds.append(1) or len(builds),
        ttl=lambda: 3600,
        check_seconds=3600,
    )
    assert cache.get() == 1
    other = ProcessCache(version_key="test:cache-version-2", build=lambda: 0, ttl=lambda: 3600)
    other.invalidate()
    assert cache.get() == 1  # within the interval: no round trip, no rebuild
    assert builds == [1]
