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
    if isinstance(entry, (int, float)) and not isinstance(entry, bool):
        return price(entry, DEFAULT_CURRENCY, f"{path} {host}")
    if isinstance(entry, dict) and "per_hour" in entry:
        return price(entry["per_hour"], entry.get("currency", DEFAULT_CURRENCY), f"{path} [{host}]")
    if isinstance(entry, dict):
        raise WasmbenchError(f"{path}: [{host}] needs per_hour = <price per hour> (a price is {PRICE_FORMS})")
    raise WasmbenchError(f"{path}: {host} = {entry!r} is not a price; a price is {PRICE_FORMS}")
