"""Quality figures over a period, as docs/quality.md defines them.

- Lot acceptance rate = accepted inspection lots / decided inspection lots.
- Pass rate of an operation = passed steps / finished steps (retries included).
- First-pass yield (FPY) of an operation = units whose first step there passed / units
  whose first step there ended in the period.
- Rolled throughput yield (RTY) of a routing = the product of its operations' FPY.
- Defect Pareto: each defect code's count (step fails and inspection samples), largest
  first, with its share and the cumulative share.
- Supplier quality: lots accepted / rejected, and ppm = defective sampled items / sampled
  items x 1,000,000 (an estimate from the samples, not the whole lots).
- By day: the same pass rate, first-pass yield (all operations together) and lot
  acceptance for each plant day.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from tracemes.domain.board import Yields, ratio


@dataclass(frozen=True, slots=True, kw_only=True)
class StepYield(Yields):
    """Steps of one operation of one item's routing that ended in the period."""

    item_code: str
    operation: str


@dataclass(frozen=True, slots=True, kw_only=True)
class DayQuality(Yields):
    """One plant day: the steps that ended in it, and the inspection lots decided in it."""

    day: date
    lots_decided: int
    lots_accepted: int

    @property
    def acceptance_rate(self) -> Decimal | None:
        """Accepted / decided inspection lots of the day."""
        return ratio(self.lots_accepted, self.lots_decided)


def rolled_throughput_yield(steps: Iterable[StepYield]) -> dict[str, Decimal]:
    """Per item (its routing): the product of the FPYs of the operations tried."""
    rty: dict[str, Decimal] = {}
    for step in steps:
        fpy = step.first_pass_yield
        if fpy is not None:
            rty[step.item_code] = (rty.get(step.item_code, Decimal(1)) * fpy).quantize(
                Decimal("0.0001")
            )
    return rty


@dataclass(frozen=True, slots=True)
class ParetoBar:
    """One defect code in the Pareto chart."""

    code: str
    count: int
    share: Decimal
    cumulative: Decimal


def pareto(counts: Mapping[str, int]) -> list[ParetoBar]:
    """Defect codes by count, largest first (ties by code), with shares of the total."""
    total = sum(counts.values())
    bars, running = [], 0
    for code, count in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])):
        running += count
        bars.append(
            ParetoBar(
                code, count, ratio(count, total) or Decimal(0), ratio(running, total) or Decimal(0)
            )
        )
    return bars


@dataclass(frozen=True, slots=True)
class SupplierQuality:
    """One supplier's incoming lots in the period."""

    supplier: str
    lots: int
    accepted: int
    rejected: int
    sampled: int
    defective: int

    @property
    def acceptance_rate(self) -> Decimal | None:
        """Accepted / decided lots."""
        return ratio(self.accepted, self.accepted + self.rejected)

    @property
    def ppm(self) -> int | None:
        """Defective sampled items per million sampled."""
        if self.sampled == 0:
            return None
        return round(self.defective * 1_000_000 / self.sampled)
