"""ABC by share of annual value, XYZ by coefficient of variation, and the default targets."""

from __future__ import annotations

import pandas as pd
import pytest

from optimization.replenishment.service_classes import DEFAULT_TARGETS, abc_xyz


def _frame(values: list[float], means: list[float] | None = None, sds: list[float] | None = None):
    n = len(values)
    return pd.DataFrame(
        {
            "key": [(f"SKU-{i}", "DC-1") for i in range(n)],
            "annual_value": values,
            "mean": means or [10.0] * n,
            "sd": sds or [1.0] * n,
        }
    )


def test_a_takes_the_first_80_percent_of_value_b_the_next_15_and_c_the_rest() -> None:
    # shares ranked above each line: 0, .50, .80, .90, .95, .98
    classes = abc_xyz(_frame([50, 30, 10, 5, 3, 2]))
    assert list(classes["abc"]) == ["A", "A", "B", "B", "C", "C"]


def test_classes_follow_value_not_row_order() -> None:
    classes = abc_xyz(_frame([2, 50, 3, 30]))
    assert list(classes["abc"]) == ["C", "A", "B", "A"]
    assert list(classes["key"]) == list(_frame([2, 50, 3, 30])["key"])


def test_lines_without_value_are_c() -> None:
    assert list(abc_xyz(_frame([100, 0, 0]))["abc"]) == ["A", "C", "C"]


def test_equal_values_are_ranked_by_key() -> None:
    classes = abc_xyz(_frame([40, 40, 20]))
    assert list(classes["abc"]) == ["A", "A", "B"]
    swapped = _frame([40, 40, 20]).iloc[[1, 0, 2]]
    assert list(abc_xyz(swapped)["abc"]) == ["A", "A", "B"]


@pytest.mark.parametrize(
    ("mean", "sd", "xyz"),
    [(10, 5, "X"), (10, 5.1, "Y"), (10, 10, "Y"), (10, 12, "Z"), (0, 0, "Z"), (0, 3, "Z")],
)
def test_xyz_cuts_the_coefficient_of_variation_at_half_and_one(
    mean: float, sd: float, xyz: str
) -> None:
    assert abc_xyz(_frame([1.0], [mean], [sd]))["xyz"].iat[0] == xyz


def test_the_service_class_joins_abc_and_xyz() -> None:
    classes = abc_xyz(_frame([90, 10], means=[10, 10], sds=[1, 20]))
    assert list(classes["service_class"]) == ["AX", "BZ"]


def test_default_targets_cover_every_class_and_favour_value_and_steadiness() -> None:
    assert set(DEFAULT_TARGETS) == {a + x for a in "ABC" for x in "XYZ"}
    assert all(0 < target < 1 for target in DEFAULT_TARGETS.values())
    for x in "XYZ":
        assert DEFAULT_TARGETS[f"A{x}"] >= DEFAULT_TARGETS[f"B{x}"] >= DEFAULT_TARGETS[f"C{x}"]
    for a in "ABC":
        assert DEFAULT_TARGETS[f"{a}X"] >= DEFAULT_TARGETS[f"{a}Y"] >= DEFAULT_TARGETS[f"{a}Z"]


def test_missing_columns_are_named() -> None:
    with pytest.raises(ValueError, match="annual_value"):
        abc_xyz(pd.DataFrame({"key": [1], "mean": [1.0], "sd": [0.0]}))
