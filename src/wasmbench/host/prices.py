"""What an instance costs per hour, from where the user says: its environment or a prices file.

The fleet passes each host's inventory variables ``wasmbench_price_per_hour`` and
``wasmbench_price_currency`` to its suite as environment variables, which the machine info
records; ``wasmbench report --prices FILE`` and ``compare --prices FILE`` fill or override them per
host label afterwards (a price is often looked up after the runs). Both are checked here alike,
so a typo is one clear error line, never a silently wrong cost.
"""

from __future__ import annotations

import math
import os
import re
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path

from wasmbench.errors import WasmbenchError
from wasmbench.store.input_files import check_input_path

PRICE_VARIABLE = "WASMBENCH_PRICE_PER_HOUR"
CURRENCY_VARIABLE = "WASMBENCH_PRICE_CURRENCY"
DEFAULT_CURRENCY = "USD"
CURRENCY = re.compile(r"[A-Z]{3}")  # an ISO 4217 code: USD, EUR, …


@dataclass(frozen=True)
class Price:
    """An instance's on-demand price per hour; costs in different currencies are never compared."""

    per_hour: float
    currency: str = DEFAULT_CURRENCY


def price(per_hour: object, currency: object, where: str) -> Price:
    """A checked price: a positive number per hour and a three-letter currency code."""
    try:
        value = float(per_hour)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        value = math.nan
    if not (math.isfinite(value) and value > 0) or isinstance(per_hour, bool):
        raise WasmbenchError(f"{where}: price per hour must be a positive number, not {per_hour!r}")
    code = str(currency).strip().upper()
    if not CURRENCY.fullmatch(code):
        raise WasmbenchError(f"{where}: currency must be a three-letter code such as USD, not {currency!r}")
    return Price(value, code)


def environment_price() -> Price | None:
    """``$WASMBENCH_PRICE_PER_HOUR`` (and ``$WASMBENCH_PRICE_CURRENCY``, default USD), if set."""
    per_hour = os.environ.get(PRICE_VARIABLE, "").strip()
    if not per_hour:
        return None
    currency = os.environ.get(CURRENCY_VARIABLE) or DEFAULT_CURRENCY
    return price(per_hour, currency, f"${PRICE_VARIABLE}, ${CURRENCY_VARIABLE}")


# The keys of a host's table in a prices file.
TABLE_KEYS = ("per_hour", "currency")
# The two ways a prices file may give a host's price, for the error that meets neither.
PRICE_FORMS = (
    "`HOST = <price per hour>` (in USD), or a table `[HOST]` with `per_hour = <price per hour>` "
    'and optionally `currency = "EUR"`'
)


def read_prices(path: Path) -> dict[str, Price]:
    """A TOML prices file: per host label, its price per hour in USD, or a table with ``per_hour``
    and an optional ``currency``.

    ```toml
    m6g-large = 0.077

    [c7g-large]
    per_hour = 0.0725
    currency = "USD"
    ```
    """
    check_input_path(path, "prices file")
    try:
        entries = tomllib.loads(path.read_text())
    except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise WasmbenchError(f"cannot read prices file {path}: {error}") from error
    return {host: _entry_price(host, entry, path) for host, entry in entries.items()}


def _entry_price(host: str, entry: object, path: Path) -> Price:
    if _is_number(entry):
        return price(entry, DEFAULT_CURRENCY, f"{path} {host}")
    if not isinstance(entry, dict):
        raise WasmbenchError(f"{path}: {host} = {entry!r} is not a price; a price is {PRICE_FORMS}")
    if unknown := sorted(set(entry) - set(TABLE_KEYS)):
        raise WasmbenchError(
            f"{path}: [{host}] has {', '.join(unknown)}, which is not a price key "
            f"(the keys are {' and '.join(TABLE_KEYS)})"
        )
    if "per_hour" not in entry:
        raise WasmbenchError(f"{path}: [{host}] needs per_hour = <price per hour> (a price is {PRICE_FORMS})")
    if not _is_number(entry["per_hour"]):  # "0.1" is a typo for 0.1 or for something else: say so
        value = entry["per_hour"]
        raise WasmbenchError(f"{path} [{host}]: price per hour must be a positive number, not {value!r}")
    return price(entry["per_hour"], entry.get("currency", DEFAULT_CURRENCY), f"{path} [{host}]")


def _is_number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def unmatched_hosts(prices: dict[str, Price], hosts: set[str]) -> list[str]:
    """The hosts of a prices file that name none of ``hosts`` (the results' host labels; a report
    may show a label with its architecture or CPU added, ``label (arch)``, which matches too)."""
    return [
        name for name in prices if not any(name == host or name.startswith(f"{host} (") for host in hosts)
    ]


def warn_unmatched(prices: dict[str, Price], hosts: set[str], path: Path) -> None:
    """One warning line naming the prices that price nothing: a misspelt host is not a silent no-op."""
    if unmatched := unmatched_hosts(prices, hosts):
        print(
            f"wasmbench: warning: {path}: no result is from {', '.join(unmatched)} "
            f"(the results' hosts: {', '.join(sorted(hosts))})",
            file=sys.stderr,
        )
