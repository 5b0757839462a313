from wasmbench.measuring.plan import Pair, groups, make_plan

RUNTIMES = [("native", "default"), ("wasmtime", "embedded"), ("wasmtime", "embedded-aot")]


def test_plan_holds_every_combination_once():
    plan = make_plan(["nbody", "mandelbrot"], ["test", "default"], RUNTIMES, seed=1)
    assert len(plan) == 2 * 2 * 3
    assert len(set(plan)) == len(plan)


def test_same_seed_same_order_and_other_seeds_shuffle_differently():
    first = make_plan(["a", "b", "c"], ["test"], RUNTIMES, seed=7)
    assert first == make_plan(["a", "b", "c"], ["test"], RUNTIMES, seed=7)
    orders = {tuple(make_plan(["a", "b", "c"], ["test"], RUNTIMES, seed=seed)) for seed in range(10)}
    assert len(orders) > 1


def test_pair_key_round_trips():
    pair = Pair("nbody", "test", "wasmtime", "embedded-aot")
    assert Pair.from_key(pair.key) == pair


def test_repeated_names_are_merged_and_pairs_of_a_group_stay_together():
    plan = make_plan(["nbody", "nbody"], ["test", "test"], [*RUNTIMES, RUNTIMES[0]], seed=3)
    assert len(plan) == len(set(plan)) == 3
    grouped = groups(make_plan(["a", "b"], ["test", "default"], RUNTIMES, seed=5))
    assert len(grouped) == 4 and all(len(pairs) == 3 for pairs in grouped.values())
    assert all({pair.group for pair in pairs} == {key} for key, pairs in grouped.items())
