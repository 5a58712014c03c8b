"""The outcome of filling one questionnaire: counts per confidence and status, and a paragraph to post."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field


class QuestionnaireSummary(BaseModel):
    """Counts over every question found in the file (duplicates included), and what needs an expert."""

    model_config = ConfigDict(frozen=True)

    source: Path
    output: Path
    questions: int  # questions found in the file
    unique: int  # distinct questions drafted (duplicates share one answer)
    high: int = 0
    medium: int = 0
    low: int = 0
    not_found: int = 0
    restricted: int = 0
    to_review: list[str] = Field(default_factory=list)  # "Security!B7: Do you ...?" for each flagged question

    @property
    def needs_review(self) -> int:
        """Questions flagged for review: low confidence, not found or restricted."""
        return self.low + self.not_found + self.restricted

    def text(self) -> str:
        """One paragraph for the terminal or a Slack thread."""
        duplicates = f" ({self.unique} unique)" if self.unique != self.questions else ""
        counts = (
            f"{self.high} high, {self.medium} medium, {self.low} low confidence, "
            f"{self.not_found} not found, {self.restricted} restricted"
        )
        review = (
            f"{self.needs_review} {'needs' if self.needs_review == 1 else 'need'} review"
            " (low confidence, not found or restricted)."
            if self.needs_review
            else "None needs review."
        )
        noun = "question" if self.questions == 1 else "questions"
        return f"Filled {self.questions} {noun}{duplicates} in {self.output.name}: {counts}. {review}"
