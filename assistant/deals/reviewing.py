"""A deal reviewed as a deal desk does: the business case, its sensitivity table and its risk register."""

from __future__ import annotations

from dataclasses import dataclass

from assistant.deals.computing import BusinessCase, compute_case
from assistant.deals.model import Deal
from assistant.deals.policy import DealPolicy
from assistant.deals.reporting import case_json
from assistant.deals.risks import Risk, assess_risks
from assistant.deals.sensitivity import Sensitivity, compute_sensitivity

__all__ = ["DealReview", "review_deal"]


@dataclass(frozen=True)
class DealReview:
    case: BusinessCase
    sensitivity: Sensitivity
    risks: list[Risk]
    policy: DealPolicy

    @property
    def flagged(self) -> list[Risk]:
        return [r for r in self.risks if r.flagged]

    def json(self) -> dict[str, object]:
        return case_json(self.case, self.sensitivity, self.risks)


def review_deal(deal: Deal, policy: DealPolicy | None = None) -> DealReview:
    """Compute the case, the sensitivity table and the risks of `deal` under `policy`."""
    policy = policy or DealPolicy()
    case = compute_case(deal, policy)
    return DealReview(case, compute_sensitivity(case, policy), assess_risks(case, policy), policy)
