"""Instance prices from the environment (machine info) and from a ``--prices`` file."""

from __future__ import annotations

import pytest

from wasmbench.errors import WasmbenchError
from wasmbench.host.machine import machine_info
from wasmbench.host.prices import CURRENCY_VARIABLE, PRICE_VARIABLE, Price, read_prices


def test_machine_info_records_the_price_the_fleet_passes(monkeypatch):
    monkeypatch.setenv(PRICE_VARIABLE, "0.085")
    monkeypatch.setenv(CURRENCY_VARIABLE, "eur")
    assert machine_info()["price"] == {"per_hour": 0.085, "currency": "EUR"}
    monkeypatch.delenv(CURRENCY_VARIABLE)
    assert machine_info()["price"] == {"per_hour": 0.085, "currency": "USD"}
    monkeypatch.delenv(PRICE_VARIABLE)
    assert machine_info()["price"] is None


@pytest.mark.parametrize(
    ("per_hour", "currency", "message"),
    [
        ("cheap", "USD", "price per hour must be a positive number, not 'cheap'"),
        ("-1", "USD", "price per hour must be a positive number, not '-1'"),
        ("0.1", "dollars", "currency must be a three-letter code such as USD, not 'dollars'"),
    ],
)
def test_a_bad_price_in_the_environment_is_one_clear_error(monkeypatch, per_hour, currency, message):
    monkeypatch.setenv(PRICE_VARIABLE, per_hour)
    monkeypatch.setenv(CURRENCY_VARIABLE, currency)
    with pytest.raises(
        WasmbenchError, match=f"^\\$WASMBENCH_PRICE_PER_HOUR, \\$WASMBENCH_PRICE_CURRENCY: {message}$"
    ):
        machine_info()


def test_prices_file_maps_host_names_to_prices(tmp_path):
    path = tmp_path / "prices.toml"
    path.write_text('[c7g-large]\nper_hour = 0.0725\n\n["azure d2"]\nper_hour = 0.096\ncurrency = "EUR"\n')
    assert read_prices(path) == {"c7g-large": Price(0.0725, "USD"), "azure d2": Price(0.096, "EUR")}


def test_a_prices_file_takes_the_one_line_form_too(tmp_path):
    path = tmp_path / "prices.toml"
    path.write_text('m6g-large = 0.077\n"azure d2" = 1\n\n[c7g-large]\nper_hour = 0.0725\n')
    assert read_prices(path) == {
        "m6g-large": Price(0.077),
        "azure d2": Price(1.0),
        "c7g-large": Price(0.0725),
    }


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[c7g-large]\ncurrency = 'USD'\n", r"\[c7g-large\] needs per_hour = <price per hour>"),
        ("[c7g-large]\nper_hour = true\n", r"\[c7g-large\]: price per hour must be a positive number"),
        ("[c7g-large\n", "cannot read prices file"),
        ("c7g-large = -0.5\n", r"c7g-large: price per hour must be a positive number, not -0\.5"),
        ("c7g-large = '0.07 USD'\n", r"c7g-large = '0\.07 USD' is not a price; a price is `HOST = <price"),
        ("c7g-large = true\n", r"a price is `HOST = <price per hour>` \(in USD\), or a table `\[HOST\]`"),
        (
            "[c7g-large]\nper_hour = '0.1'\n",
            r"\[c7g-large\]: price per hour must be a positive number, not '0\.1'$",
        ),
        (
            "[c7g-large]\nper_hr = 0.1\n",
            r"\[c7g-large\] has per_hr, which is not a price key \(the keys are per_hour and currency\)$",
        ),
    ],
)
def test_a_bad_prices_file_is_one_clear_error(tmp_path, text, message):
    path = tmp_path / "prices.toml"
    path.write_text(text)
    with pytest.raises(WasmbenchError, match=message):
        read_prices(path)
